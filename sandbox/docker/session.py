"""``DockerSession``: one single-use container with a workspace in it.

Commands run through ``execution``; a timed-out command's whole process tree is killed here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from pathlib import PurePosixPath

from sandbox._environment import minimal_env
from sandbox.base import SandboxSession
from sandbox.diskcap import DiskUsage
from sandbox.docker._engine import Engine
from sandbox.docker.events import ContainerEvents
from sandbox.docker.execution import ExecTarget, run_exec
from sandbox.docker.isolation import TREE_KILL_SIGNAL, ContainerUser
from sandbox.docker.pool import WarmContainer
from sandbox.docker.transfer import Transfer
from sandbox.errors import SandboxError, SessionError
from sandbox.models import ExecRequest, ExecResult, SessionSpec

_log = logging.getLogger(__name__)

_STATVFS = "import os; s = os.statvfs('.'); print(s.f_bavail * s.f_frsize, s.f_favail)"
"""Run with the image's python3 in the workdir: free bytes and inodes of the workspace."""

_QUIET_TIMEOUT_S = 3.0
"""How long the engine may take to see the killed processes gone."""


class DockerSession(SandboxSession):
    """One single-use container holding a copy of the workspace.

    Not thread-safe: one command at a time. When a command times out, the engine signals pid 1,
    which kills every other process (``kill -9 -1``), and the engine is asked to confirm that
    only the idle pid 1 remains; the session stays usable. If that does not happen (pid 1 was
    tampered with, or died), the container itself is killed and the session is spent:
    ``read_file`` still works, ``exec`` raises ``SessionError``. Sessions are made by
    ``DockerSandbox.open``.

    Args:
        engine: the engine.
        events: the backend's event follower (OOM kills).
        transfer: how files come back out of the container.
        user: who commands run as.
        warm: the container, taken from the pool or freshly started.
        spec: what the session was opened with.
        release: called once by ``close`` to remove the container.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        events: ContainerEvents,
        transfer: Transfer,
        user: ContainerUser,
        warm: WarmContainer,
        spec: SessionSpec,
        release: Callable[[DockerSession], None],
    ) -> None:
        self._engine = engine
        self._events = events
        self._transfer = transfer
        self._user = str(user)
        self._release = release
        self.warm = warm
        self.spec = spec
        self.container_id = warm.id
        """The container's id."""
        self.image = warm.key.image
        """The image the container was started from."""
        self.image_id = warm.image_id
        self.workdir = spec.workdir
        """The workspace's path inside the container."""
        self.closed = False
        self.spent_reason: str | None = None
        """Why no more commands can run (the container was killed), or ``None``."""

    def exec(self, request: ExecRequest) -> ExecResult:
        """Run one command; see ``SandboxSession.exec``.

        Raises:
            SessionError: the session is closed or spent, or the engine refused the command.
            EngineUnavailableError: the engine stopped answering.
        """
        if self.closed:
            raise SessionError("session is closed")
        if self.spent_reason is not None:
            raise SessionError(f"session is spent: {self.spent_reason}")
        target = ExecTarget(
            container_id=self.container_id,
            user=self._user,
            workdir=self._cwd(request.cwd),
            env=minimal_env({**self.spec.env, **request.env}),
            output_cap_bytes=self.spec.limits.output_cap_bytes,
        )
        primed, self.warm.primed = self.warm.primed, None  # one command only, the first
        return run_exec(
            self._engine,
            self._events,
            target,
            request.argv,
            timeout_s=request.timeout_s,
            kill_container=self._kill_tree,
            primed=primed,
        )

    def read_file(self, path: str, max_bytes: int = 10_000_000) -> bytes | None:
        """Read a regular workspace file without following symlinks (cut at ``max_bytes``)."""
        if self.closed:
            raise SessionError("session is closed")
        return self._transfer.read_file(self.warm, path, max_bytes)

    def file_ids(self, paths: Collection[str]) -> dict[str, str | None]:
        """Blob ids of workspace files as the run left them in the container."""
        if self.closed:
            raise SessionError("session is closed")
        return self._transfer.file_ids(self.warm, paths)

    def disk_usage(self) -> DiskUsage | None:
        """Free room on the capped workspace: from the host (bind slot), else asked of the
        image's own ``python3`` inside the container (archive volume)."""
        if self.closed:
            return None
        seen = self._transfer.usage(self.warm)
        if seen is not None or self.spent_reason is not None:
            return seen
        probe = ExecRequest(argv=["python3", "-I", "-S", "-c", _STATVFS], timeout_s=30.0)
        result = self.exec(probe)
        fields = result.stdout.split()
        if result.exit_code != 0 or len(fields) != 2 or not all(f.isdigit() for f in fields):
            return None
        return DiskUsage(free_bytes=int(fields[0]), free_files=int(fields[1]))

    def __enter__(self) -> DockerSession:
        return self

    def close(self) -> None:
        """Remove the container and its workspace. Idempotent."""
        if self.closed:
            return
        self.closed = True
        self._release(self)

    def _kill_tree(self) -> None:
        """Have pid 1 kill every other process; kill the container if that does not do it."""
        try:
            self._engine.kill(self.container_id, signal=TREE_KILL_SIGNAL)
            if self._wait_quiet():
                return
            _log.warning("container %s: the tree outlived kill -9 -1", self.container_id[:12])
        except SandboxError as exc:
            _log.warning("container %s: cannot kill the tree: %s", self.container_id[:12], exc)
        self._kill_container()

    def _wait_quiet(self) -> bool:
        """Whether the engine sees only the idle pid 1 before a short deadline."""
        deadline = time.monotonic() + _QUIET_TIMEOUT_S
        quiet = self.warm.idle.quiet_processes
        pause = 0.01
        while self._engine.process_count(self.container_id) > quiet:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
        return True

    def _kill_container(self) -> None:
        self.spent_reason = "the container was killed when a command timed out"
        self._engine.kill(self.container_id)

    def _cwd(self, cwd: str | None) -> str:
        if cwd is None:
            return self.spec.workdir
        return str(PurePosixPath(self.spec.workdir) / cwd)  # an absolute cwd replaces the workdir
