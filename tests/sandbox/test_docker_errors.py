"""Every exception the Docker SDK can raise at us is translated, in one place.

As httpx's ``test_httpcore_all_exceptions_mapped``: enumerate the SDK's exception classes and
check each against an explicit table, so a class added by a new SDK release fails here until
someone decides what it means for us.
"""

from __future__ import annotations

import inspect

import docker.errors
import pytest
import requests
import urllib3

from sandbox.config import DockerSandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.docker._engine import Engine
from sandbox.docker.sdkerrors import engine_errors, translate
from sandbox.errors import (
    EngineUnavailableError,
    ImageBuildError,
    ImageNotFoundError,
    SandboxConfigError,
    SandboxError,
    SessionError,
)

EXPECTED: dict[str, type[SandboxError]] = {
    "DockerException": EngineUnavailableError,  # from_env/ping failures: no engine
    "APIError": SessionError,  # the engine answered, and refused
    "NotFound": SessionError,  # container or exec gone
    "ImageNotFound": ImageNotFoundError,
    "InvalidVersion": EngineUnavailableError,
    "InvalidConfigFile": EngineUnavailableError,
    "TLSParameterError": EngineUnavailableError,
    "ContextException": EngineUnavailableError,
    "ContextAlreadyExists": EngineUnavailableError,
    "ContextNotFound": EngineUnavailableError,
    "MissingContextParameter": EngineUnavailableError,
    "InvalidArgument": SandboxConfigError,
    "InvalidRepository": SandboxConfigError,
    "NullResource": SandboxConfigError,
    "DeprecatedMethod": SandboxConfigError,
    "ContainerError": SessionError,
    "StreamParseError": SessionError,
    "BuildError": ImageBuildError,
    "ImageLoadError": ImageBuildError,
}


def _sdk_exception_classes() -> dict[str, type[BaseException]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(docker.errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == "docker.errors"
    }


def _instance(cls: type[BaseException]) -> BaseException:
    """Build an instance whatever the constructor wants: a string for every required argument."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    required = [
        p
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return cls(*[f"<{p.name}>" for p in required])


def test_the_table_names_every_sdk_exception_class() -> None:
    assert sorted(_sdk_exception_classes()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sdk_exception_is_mapped(name: str) -> None:
    exc = _instance(_sdk_exception_classes()[name])
    with pytest.raises(EXPECTED[name]) as raised, engine_errors("test action", image="x:1"):
        raise exc
    assert raised.type is EXPECTED[name]  # the exact class, not a parent
    assert raised.value.__cause__ is exc
    assert "test action" in str(raised.value) or isinstance(raised.value, ImageNotFoundError)


def test_image_not_found_carries_the_image() -> None:
    error = translate(docker.errors.ImageNotFound("no such image"), action="create", image="x:1")
    assert isinstance(error, ImageNotFoundError)
    assert error.image == "x:1"


def test_an_engine_refusal_is_a_session_error() -> None:
    response = requests.Response()
    response.status_code = 409
    refused = docker.errors.APIError("not running", response=response)
    assert type(translate(refused, action="exec")) is SessionError


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ConnectionError("refused"),
        requests.exceptions.ReadTimeout("slow"),
        requests.exceptions.ChunkedEncodingError("cut"),
        urllib3.exceptions.ProtocolError("reset"),
        ConnectionResetError("reset by peer"),
        BrokenPipeError("broken"),
        TimeoutError("timed out"),
    ],
)
def test_transport_failures_mean_the_engine_is_unavailable(exc: BaseException) -> None:
    with pytest.raises(EngineUnavailableError) as raised, engine_errors("exec"):
        raise exc
    assert raised.value.__cause__ is exc


def test_our_own_errors_and_programming_errors_pass_through_untouched() -> None:
    with pytest.raises(KeyError), engine_errors("exec"):
        raise KeyError("bug")
    with pytest.raises(SessionError, match="ours"), engine_errors("exec"):
        raise SessionError("ours")


def test_unreachable_engine_is_engine_unavailable() -> None:
    with pytest.raises(EngineUnavailableError, match=r"/nonexistent\.sock"):
        DockerSandbox(DockerSandboxConfig(base_url="unix:///nonexistent.sock"))
    with pytest.raises(EngineUnavailableError):
        Engine.connect("unix:///nonexistent.sock", timeout_s=5)
