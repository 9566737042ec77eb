"""Docker SDK clients for the image build and the doctor, with errors translated here.

A ``ClientFactory`` makes a client with a given timeout, so a pull can fail fast while an
import may take minutes. A unix socket is probed first: where nothing listens, the SDK's own
version check would leak its socket.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from sandbox.errors import EngineUnavailableError

DEFAULT_UNIX_SOCKET = "unix:///var/run/docker.sock"
"""Where the engine listens when neither ``base_url`` nor ``DOCKER_HOST`` says otherwise."""

ClientFactory = Callable[[float], Any]
"""Returns a ``docker.DockerClient`` whose calls time out after the given seconds."""


def docker_client_factory(base_url: str | None = None) -> ClientFactory:
    """A factory of Docker SDK clients for ``base_url`` (``None``: the SDK's environment).

    Raises (when called):
        EngineUnavailableError: the engine does not answer.
    """

    def make(timeout_s: float) -> Any:
        import docker
        import docker.errors
        import requests

        try:
            # The SDK's own reading of DOCKER_HOST and friends, as docker.from_env does.
            kwargs: dict[str, Any] = docker.utils.kwargs_from_env()
            kwargs["base_url"] = base_url or kwargs.get("base_url") or DEFAULT_UNIX_SOCKET
            for prefix in ("unix://", "http+unix://"):
                if kwargs["base_url"].startswith(prefix):
                    _probe_unix_socket(kwargs["base_url"].removeprefix(prefix), timeout_s)
            return docker.DockerClient(timeout=timeout_s, **kwargs)
        except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
            raise EngineUnavailableError(f"Docker engine not reachable: {exc}") from exc

    return make


def _probe_unix_socket(path: str, timeout_s: float) -> None:
    """Fail early, and without leaking a socket as the SDK does, when nothing listens."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout_s)
        try:
            probe.connect(path)
        except OSError as exc:
            raise EngineUnavailableError(
                f"Docker engine not reachable at unix://{path}: {exc.strerror or exc}"
            ) from exc


def inspect_image(client: Any, image: str) -> dict[str, Any] | None:
    """The engine's inspect data for ``image``, or ``None`` when it is absent.

    Raises:
        EngineUnavailableError: the engine did not answer.
    """
    import docker.errors
    import requests

    try:
        data: dict[str, Any] = client.api.inspect_image(image)
    except docker.errors.ImageNotFound:
        return None
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        raise EngineUnavailableError(f"could not inspect image {image}: {exc}") from exc
    return data
