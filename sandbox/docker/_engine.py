"""The one module of the backend that talks to the Docker SDK.

Every engine call goes through ``Engine``; each runs under ``engine_errors``
(``sandbox.docker.sdkerrors``, the one place the SDK's errors are translated) so that
``docker.errors.*``, ``requests`` and socket errors leave this module only as ``SandboxError``
subclasses. The client is created
with a timeout, so no call can hang forever; the only calls without one are the exec output
stream and the event stream, which have their own deadlines (see ``execution`` and ``events``).

The SDK is untyped; this module turns its dicts into the few typed values the backend needs.
"""

from __future__ import annotations

import base64
import io
import json
import math
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

import docker
import docker.errors
from docker.types.daemon import CancellableStream

from sandbox.docker.client import probe_unix_socket
from sandbox.docker.sdkerrors import engine_errors
from sandbox.errors import SessionError

FRAME_HEADER_SIZE = 8
"""An exec stream is frames: ``[stream, 0, 0, 0, size (big-endian u32)]``, then ``size`` bytes."""
STDERR_FRAME = 2
"""Stream id of a frame of stderr (1 is stdout)."""
SYSERR_FRAME = 3
"""Stream id of a frame of the engine's own error output, shown as stderr."""


@dataclass(frozen=True)
class ExecState:
    """An exec instance as the engine reports it."""

    running: bool
    exit_code: int | None


@dataclass(frozen=True)
class ManagedContainer:
    """A container carrying our labels, as listed by the engine."""

    id: str
    labels: dict[str, str]
    state: str


class ExecStream:
    """The hijacked connection of a started exec: multiplexed stdout/stderr frames.

    Reads go through the HTTP response's own buffered reader, so bytes that arrived together
    with the response headers are not lost (the SDK's raw-socket path can drop them).
    """

    def __init__(self, response: Any, sock: Any) -> None:
        self._response = response
        self._sock = sock
        fp = getattr(getattr(response.raw, "_fp", None), "fp", None)
        self._buffered = fp if isinstance(fp, io.BufferedReader) else None

    def read(self, size: int = 65536) -> bytes:
        """Block for the next bytes; ``b""`` at end of stream.

        Raises:
            EngineUnavailableError: the connection broke.
        """
        with engine_errors("read exec output"):
            if self._buffered is not None:
                return self._buffered.read1(size)
            return cast(bytes, docker.utils.socket.read(self._sock, size))

    def read_exact(self, size: int) -> bytes:
        """Block for exactly ``size`` bytes (fewer only at end of stream)."""
        data = b""
        while len(data) < size:
            chunk = self.read(size - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def send(self, data: bytes) -> None:
        """Write to the exec's stdin (only for execs created with ``stdin=True``).

        Raises:
            EngineUnavailableError: the connection is gone.
        """
        target = (
            self._sock if hasattr(self._sock, "sendall") else getattr(self._sock, "_sock", None)
        )
        with engine_errors("write exec input"):
            if target is None:
                raise OSError("this transport cannot write to an exec's stdin")
            target.sendall(data)

    def abort(self) -> None:
        """Shut the connection down so that a blocked ``read`` returns."""
        try:
            CancellableStream(iter(()), self._response).close()
        except (docker.errors.DockerException, OSError):
            self._response.close()

    def close(self) -> None:
        """Release the connection."""
        self._response.close()


class Engine:
    """A Docker engine, reached through the SDK's low-level API with a timeout on every call.

    Args:
        client: a ``docker.DockerClient`` (or ``APIClient``).
        owned: close the client in ``close()``; false when the caller passed it in.
    """

    def __init__(self, client: Any, *, owned: bool = False) -> None:
        self._client = client
        self._api: Any = getattr(client, "api", client)
        self._owned = owned

    @classmethod
    def connect(cls, base_url: str | None, timeout_s: float) -> Engine:
        """Create a client (``base_url`` or the SDK's defaults: ``DOCKER_HOST`` and friends).

        Raises:
            EngineUnavailableError: the engine does not answer.
        """
        # The SDK reads DOCKER_HOST & co. only when no address is given (as ``from_env``).
        params = {"base_url": base_url} if base_url else docker.utils.kwargs_from_env()
        address = params.get("base_url") or docker.constants.DEFAULT_UNIX_SOCKET
        with engine_errors(f"connect to {address}"):
            probe_unix_socket(address, timeout_s)
            client = docker.DockerClient(timeout=max(1, math.ceil(timeout_s)), **params)
            try:
                client.ping()
            except BaseException:
                client.close()
                raise
        return cls(client, owned=True)

    @property
    def base_url(self) -> str:
        """The API base URL (``http+docker://localhost`` for the local unix socket)."""
        return cast(str, self._api.base_url)

    def is_local(self) -> bool:
        """Whether host paths are the engine's paths: a unix socket, and the same host name.

        A runner inside a container with the socket mounted talks to a unix socket too, but
        its paths are not the engine's; the host name tells the two apart.
        """
        if not self.base_url.startswith("http+docker://localhost"):
            return False
        with engine_errors("engine info"):
            info = self._api.info()
        return bool(info.get("Name") == socket.gethostname())

    def inspect_image(self, image: str) -> dict[str, Any] | None:
        """The image's inspect document, or ``None`` when absent. Never pulls."""
        with engine_errors("inspect image", image=image):
            try:
                return cast(dict[str, Any], self._api.inspect_image(image))
            except docker.errors.NotFound:
                return None

    def host_config(self, **kwargs: Any) -> dict[str, Any]:
        """Build a HostConfig (validated by the SDK against the engine's API version)."""
        with engine_errors("build host config"):
            return cast(dict[str, Any], self._api.create_host_config(**kwargs))

    def create_container(self, *, image: str, **kwargs: Any) -> str:
        """Create (not start) a container. Never pulls the image."""
        with engine_errors("create container", image=image):
            return cast(str, self._api.create_container(image, **kwargs)["Id"])

    def start(self, container_id: str) -> None:
        """Start a created container."""
        with engine_errors("start container"):
            self._api.start(container_id)

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        """Send ``signal`` to the container's pid 1 (SIGKILL: every process); a container
        already stopped is fine."""
        with engine_errors("signal container"):
            try:
                self._api.kill(container_id, signal=signal)
            except docker.errors.APIError as exc:
                if exc.status_code not in (404, 409):
                    raise

    def remove(self, container_id: str) -> None:
        """Force-remove a container and its anonymous volumes; an absent one is fine."""
        with engine_errors("remove container"):
            try:
                self._api.remove_container(container_id, force=True, v=True)
            except docker.errors.APIError as exc:
                if exc.status_code not in (404, 409):  # 409: removal already in progress
                    raise

    def exec_create(
        self,
        container_id: str,
        argv: list[str],
        *,
        env: dict[str, str],
        workdir: str,
        user: str,
        stdin: bool = False,
    ) -> str:
        """Create an exec instance (stdout and stderr attached, no tty; stdin only if asked)."""
        with engine_errors("create exec"):
            created = self._api.exec_create(
                container_id,
                argv,
                stdout=True,
                stderr=True,
                stdin=stdin,
                tty=False,
                privileged=False,
                user=user,
                environment=[f"{k}={v}" for k, v in env.items()],
                workdir=workdir,
            )
        return cast(str, created["Id"])

    def exec_start(self, exec_id: str) -> ExecStream:
        """Start an exec and return its output stream.

        Uses the SDK's request helpers so that we keep the response (and its buffer); the
        public ``exec_start(socket=True)`` returns only the bare socket.
        """
        with engine_errors("start exec"):
            response = self._api._post_json(
                self._api._url("/exec/{0}/start", exec_id),
                headers={"Connection": "Upgrade", "Upgrade": "tcp"},
                data={"Tty": False, "Detach": False},
                stream=True,
            )
            sock = self._api._get_raw_response_socket(response)
            self._api._disable_socket_timeout(sock)
        return ExecStream(response, sock)

    def exec_inspect(self, exec_id: str) -> ExecState:
        """Whether an exec still runs, and its exit code once it has ended."""
        with engine_errors("inspect exec"):
            info = self._api.exec_inspect(exec_id)
        return ExecState(running=bool(info.get("Running")), exit_code=info.get("ExitCode"))

    def process_count(self, container_id: str) -> int:
        """How many processes the container has, as the engine sees them (``docker top``)."""
        with engine_errors("list container processes"):
            return len(self._api.top(container_id).get("Processes") or [])

    def put_archive(self, container_id: str, path: str, data: IO[bytes]) -> None:
        """Extract a tar stream into a container directory."""
        with engine_errors("upload workspace"):
            if not self._api.put_archive(container_id, path, data):
                raise SessionError(f"docker: upload into {path} was refused")

    def stat_path(self, container_id: str, path: str) -> dict[str, Any] | None:
        """The engine's stat of a path in a container (``HEAD .../archive``); ``None`` if absent.

        The engine resolves symlinks in the middle of ``path`` (inside the container); callers
        that must not follow links stat each component.
        """
        with engine_errors("stat path"):
            url = self._api._url("/containers/{0}/archive", container_id)
            response = self._api.head(url, params={"path": path}, timeout=self._api.timeout)
            if response.status_code == 404:
                return None
            self._api._raise_for_status(response)
        header = response.headers.get("x-docker-container-path-stat")
        return cast(dict[str, Any], json.loads(base64.b64decode(header))) if header else None

    def get_archive(self, container_id: str, path: str) -> tuple[Iterator[bytes], dict[str, Any]]:
        """Stream a path out of a container as a tar archive (``SessionError`` if absent)."""
        with engine_errors("download file"):
            stream, stat = self._api.get_archive(container_id, path)
        return cast(Iterator[bytes], stream), cast(dict[str, Any], stat)

    def managed_containers(self, *label_filters: str) -> list[ManagedContainer]:
        """All containers (running or not) carrying every given ``key=value`` label."""
        with engine_errors("list containers"):
            listed = self._api.containers(all=True, filters={"label": list(label_filters)})
        return [
            ManagedContainer(id=c["Id"], labels=dict(c.get("Labels") or {}), state=c["State"])
            for c in listed
        ]

    def commit(self, container_id: str, *, repository: str, tag: str, conf: dict[str, Any]) -> str:
        """Commit a stopped container's root filesystem as an image; returns the image id."""
        with engine_errors("commit image"):
            result = self._api.commit(container_id, repository=repository, tag=tag, conf=conf)
        return cast(str, result["Id"])

    def events(self, *, filters: dict[str, Any], since: float) -> CancellableStream:
        """Subscribe to engine events from ``since`` (unix seconds) on, decoded, no timeout."""
        with engine_errors("subscribe to events"):
            stream = self._api.events(since=f"{since:.9f}", filters=filters, decode=True)
        return cast(CancellableStream, stream)

    def close(self) -> None:
        """Close the client if this engine created it."""
        if self._owned:
            self._client.close()
