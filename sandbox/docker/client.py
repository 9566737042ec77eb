"""Docker SDK clients for the image build and the doctor.

A ``ClientFactory`` makes a client with a given timeout, so a pull can fail fast while an
import may take minutes. A unix socket is probed first: where nothing listens, the SDK's own
version check would leak its socket. SDK errors are translated by ``sdkerrors.engine_errors``,
as everywhere in ``sandbox.docker``.

The SDK is imported on first use, so that importing this module (for ``ClientFactory``) stays
free of it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from sandbox.errors import EngineUnavailableError, ImageNotFoundError

DEFAULT_UNIX_SOCKET = "unix:///var/run/docker.sock"
"""Where the engine listens when neither ``base_url`` nor ``DOCKER_HOST`` says otherwise."""

ClientFactory = Callable[[float], Any]
"""Returns a ``docker.DockerClient`` whose calls time out after the given seconds."""

_UNIX_PREFIXES = ("unix://", "http+unix://")


def docker_client_factory(base_url: str | None = None) -> ClientFactory:
    """A factory of Docker SDK clients for ``base_url`` (``None``: the SDK's environment).

    Raises (when called):
        EngineUnavailableError: the engine does not answer.
    """

    def make(timeout_s: float) -> Any:
        import docker

        from sandbox.docker.sdkerrors import engine_errors

        with engine_errors("connect to the engine"):
            # The SDK's own reading of DOCKER_HOST and friends, as docker.from_env does.
            kwargs: dict[str, Any] = docker.utils.kwargs_from_env()
            kwargs["base_url"] = base_url or kwargs.get("base_url") or DEFAULT_UNIX_SOCKET
            try:
                probe_unix_socket(kwargs["base_url"], timeout_s)
            except OSError as exc:
                raise EngineUnavailableError(
                    f"Docker engine not reachable at {kwargs['base_url']}: {exc.strerror or exc}"
                ) from exc
            return docker.DockerClient(timeout=timeout_s, **kwargs)

    return make


def probe_unix_socket(address: str, timeout_s: float) -> None:
    """Connect once to ``address`` if it is a unix socket, so that "nothing listens" fails
    here: the SDK fails too, but leaks its socket while doing so.

    Raises:
        OSError: nothing accepts connections on that socket.
    """
    for prefix in _UNIX_PREFIXES:
        if address.startswith(prefix):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(timeout_s)
                probe.connect(address.removeprefix(prefix))
            return


def inspect_image(client: Any, image: str) -> dict[str, Any] | None:
    """The engine's inspect data for ``image``, or ``None`` when it is absent.

    Raises:
        SandboxError: the engine did not answer (``EngineUnavailableError``) or refused.
    """
    from sandbox.docker.sdkerrors import engine_errors

    try:
        with engine_errors("inspect image", image=image):
            data: dict[str, Any] = client.api.inspect_image(image)
    except ImageNotFoundError:
        return None
    return data
