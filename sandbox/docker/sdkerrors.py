"""The one place the Docker SDK's exceptions become sandbox errors.

Every call into the SDK, by the backend (``_engine``) as by the image build and the doctor
(``client``), runs under ``engine_errors``, so ``docker.errors.*``, ``requests``, ``urllib3`` and
socket errors leave ``sandbox.docker`` only as ``SandboxError`` subclasses (``raise ... from
exc``, as httpx maps httpcore's exceptions). tests/sandbox/test_docker_errors.py enumerates the
SDK's exception classes against this table, so a class a new SDK release adds fails there until
someone decides what it means for us.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import docker.errors
import requests
import urllib3

from sandbox.errors import (
    EngineUnavailableError,
    ImageBuildError,
    ImageNotFoundError,
    SandboxConfigError,
    SandboxError,
    SessionError,
)

_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    OSError,
)
_BAD_INPUT = (
    docker.errors.InvalidArgument,
    docker.errors.InvalidRepository,
    docker.errors.NullResource,
    docker.errors.DeprecatedMethod,
)
_SESSION = (docker.errors.ContainerError, docker.errors.StreamParseError)
_IMAGE_BUILD = (docker.errors.BuildError, docker.errors.ImageLoadError)


def translate(exc: BaseException, *, action: str, image: str | None = None) -> SandboxError:
    """Map an SDK or transport exception to the sandbox error a caller can act on.

    Checks run from the most specific class to the least; anything that means "no answer from
    the engine" becomes ``EngineUnavailableError``.

    Args:
        exc: what the SDK raised.
        action: what we were doing, for the message ("start container", "exec").
        image: the image involved, if any, for ``ImageNotFoundError``.
    """
    message = f"docker: {action} failed: {exc}"
    if isinstance(exc, docker.errors.ImageNotFound):
        return ImageNotFoundError(image or "<unknown>", f"image not found: {image} ({action})")
    if isinstance(exc, docker.errors.APIError):
        return SessionError(message)  # the engine answered, and refused
    if isinstance(exc, _BAD_INPUT):
        return SandboxConfigError(message)
    if isinstance(exc, _SESSION):
        return SessionError(message)
    if isinstance(exc, _IMAGE_BUILD):
        return ImageBuildError(message)
    if isinstance(exc, docker.errors.DockerException):
        # The rest (TLS, contexts, config files, API version) all mean: cannot reach the engine.
        return EngineUnavailableError(message)
    if isinstance(exc, _TRANSPORT_ERRORS):
        return EngineUnavailableError(message)
    return SessionError(message)


@contextmanager
def engine_errors(action: str, *, image: str | None = None) -> Iterator[None]:
    """Run engine calls, translating whatever the SDK or the transport raises."""
    try:
        yield
    except (
        docker.errors.DockerException,
        docker.errors.StreamParseError,
        *_TRANSPORT_ERRORS,
    ) as exc:
        raise translate(exc, action=action, image=image) from exc
