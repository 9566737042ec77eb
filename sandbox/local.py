"""LocalSandbox: commands as host subprocesses, for machines with no container engine.

It does NOT isolate: the code under test runs as the current user with the host's filesystem.
It says so (``isolates = False`` and a logged warning) and does what a process can do on its
own: a fresh process group per command, killed as a whole (plus anything that escaped the
group, found by a marker in its environment) on timeout or when the command exits; rlimits
(address space, processes, CPU seconds, file size, no core dumps); no network through
``unshare -n`` where the kernel allows it; the minimal environment; output drained while the
command runs and capped head-and-tail. The workspace disk cap cannot be enforced here: what a
stage added to the workspace (and its private HOME) is measured after it and an overrun is
reported as ``disk_quota``, after the fact.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import resource
import secrets
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import IO

from sandbox._environment import DEFAULT_PATH, minimal_env
from sandbox._output import HeadTailBuffer
from sandbox.base import Sandbox, SandboxSession
from sandbox.config import LocalSandboxConfig
from sandbox.diskcap import DiskUsage, tree_usage
from sandbox.errors import SessionError
from sandbox.models import ExecRequest, ExecResult, Limits, SessionSpec
from sandbox.pathsafety import read_file_nofollow
from sandbox.rundiff import blob_id_nofollow

_log = logging.getLogger(__name__)

MARKER_VARIABLE = "EVOKERNEL_LOCAL_SESSION"
"""Set in every command's environment; lets us find processes that left the process group."""

_EXIT_GRACE_S = 0.5
"""After the command exits, how long its leftovers may hold the pipes before being killed."""
_DRAIN_GRACE_S = 2.0
"""After a kill, how long to wait for the pipes to close before giving up on them."""
_CHUNK = 1 << 16
_UNSHARE_PROBES: tuple[tuple[str, ...], ...] = (
    ("unshare", "--net", "--"),
    ("unshare", "--map-current-user", "--net", "--"),
)


class LocalSandbox(Sandbox):
    """Runs sessions as host subprocesses. Does not isolate; use only without an engine.

    Args:
        config: backend settings; ``LocalSandboxConfig()`` when ``None``.
    """

    name = "local"
    isolates = False

    def __init__(self, config: LocalSandboxConfig | None = None) -> None:
        self.config = config or LocalSandboxConfig(kind="local")
        _log.warning(
            "LocalSandbox does not isolate: untrusted code runs on this host as uid %d "
            "with its filesystem. Use the Docker backend wherever an engine exists.",
            os.getuid(),
        )
        self._net_prefix: tuple[str, ...] | None = None
        if self.config.unshare_network:
            self._net_prefix = _probe_unshare()
            if self._net_prefix is None:
                _log.warning("unshare -n is not permitted here: local commands keep the network")
        self._sessions: list[LocalSession] = []

    @property
    def network_isolated(self) -> bool:
        """Whether commands without network really run in an empty network namespace."""
        return self._net_prefix is not None

    def open(self, spec: SessionSpec) -> LocalSession:
        """Start a session on ``spec.workspace`` (a host directory)."""
        session = LocalSession(spec, self._net_prefix, self.config)
        self._sessions = [s for s in self._sessions if not s.closed] + [session]
        return session

    def image_id(self, image: str | None = None) -> str | None:
        """The local backend has no image."""
        return None

    def close(self) -> None:
        """Close every session still open. Idempotent."""
        for session in self._sessions:
            session.close()
        self._sessions = []


class LocalSession(SandboxSession):
    """One local session: a workspace directory and a private HOME/TMPDIR."""

    def __init__(
        self, spec: SessionSpec, net_prefix: tuple[str, ...] | None, config: LocalSandboxConfig
    ) -> None:
        workspace = Path(spec.workspace).resolve()
        if not workspace.is_dir():
            raise SessionError(f"workspace is not a directory: {workspace}")
        self.spec = spec
        self.workdir = str(workspace)
        self._workspace = workspace
        self._net_prefix = None if spec.network else net_prefix
        self._max_file_mb = config.max_file_mb
        self._path = ":".join([*config.path_prepend, DEFAULT_PATH])
        self._home = Path(tempfile.mkdtemp(prefix="evokernel-local-"))
        (self._home / "tmp").mkdir()
        self._marker = secrets.token_hex(8)
        self._cap = config.disk_cap
        self._start_usage = tree_usage(workspace)
        self.closed = False

    def exec(self, request: ExecRequest) -> ExecResult:
        """Run one command; see ``SandboxSession.exec``."""
        if self.closed:
            raise SessionError("session is closed")
        env = minimal_env({**self.spec.env, **request.env}, home=str(self._home), path=self._path)
        env["TMPDIR"] = str(self._home / "tmp")
        env[MARKER_VARIABLE] = self._marker
        argv = [*(self._net_prefix or ()), *request.argv]
        limits = _child_limits(self.spec.limits, request.timeout_s, self._max_file_mb)
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                cwd=self._cwd(request.cwd),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
                preexec_fn=lambda: _apply_limits(limits),
            )
        except (FileNotFoundError, PermissionError) as exc:
            # As a shell would say it: a missing or unrunnable command is data, not an error.
            return ExecResult(
                exit_code=127 if isinstance(exc, FileNotFoundError) else 126,
                stdout="",
                stderr=f"{request.argv[0]}: {exc.strerror}\n",
                duration_s=round(time.monotonic() - start, 6),
            )
        except OSError as exc:
            raise SessionError(f"could not start {request.argv[0]!r}: {exc}") from exc
        cap = self.spec.limits.output_cap_bytes
        out, err = HeadTailBuffer(cap), HeadTailBuffer(cap)
        deadline = start + request.timeout_s
        timed_out = self._drain(proc, out, err, deadline)
        if not timed_out:
            # The pipes can close before the command ends (it may close its own stdout).
            timed_out = not _wait_exit(proc.pid, deadline)
        # The leader is not reaped yet, so its group id cannot have been reused.
        self._kill_tree(proc.pid, escapees=timed_out)
        returncode = proc.wait()
        exit_code = None if timed_out else (128 - returncode if returncode < 0 else returncode)
        return ExecResult(
            exit_code=exit_code,
            stdout=out.text(),
            stderr=err.text(),
            stdout_dropped_bytes=out.dropped_bytes,
            stderr_dropped_bytes=err.dropped_bytes,
            duration_s=round(time.monotonic() - start, 6),
            timed_out=timed_out,
        )

    def _drain(
        self,
        proc: subprocess.Popen[bytes],
        out: HeadTailBuffer,
        err: HeadTailBuffer,
        deadline: float,
    ) -> bool:
        """Read both pipes until they close; kill the tree at the deadline. True if it fired."""
        assert proc.stdout is not None and proc.stderr is not None
        streams: list[IO[bytes]] = [proc.stdout, proc.stderr]
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ, out)
        selector.register(proc.stderr, selectors.EVENT_READ, err)
        timed_out = False
        give_up_at: float | None = None
        exited_at: float | None = None
        escapees_killed = False
        try:
            while selector.get_map():
                now = time.monotonic()
                if not timed_out and now >= deadline and not _exited(proc.pid):
                    timed_out = True
                    self._kill_tree(proc.pid, escapees=True)
                    escapees_killed, give_up_at = True, now + _DRAIN_GRACE_S
                elif exited_at is None and _exited(proc.pid):
                    # The command is done; whatever it left behind in its group goes too.
                    exited_at = now
                    self._kill_tree(proc.pid, escapees=False)
                elif (
                    exited_at is not None
                    and not escapees_killed
                    and now - exited_at >= _EXIT_GRACE_S
                ):
                    self._kill_tree(proc.pid, escapees=True)
                    escapees_killed, give_up_at = True, now + _DRAIN_GRACE_S
                if give_up_at is not None and now >= give_up_at:
                    _log.warning("a process outside our reach still holds the output pipes")
                    break
                wait = 0.05 if exited_at or timed_out else min(0.25, max(deadline - now, 0))
                for key, _ in selector.select(timeout=wait):
                    chunk = os.read(key.fd, _CHUNK)
                    if chunk:
                        key.data.feed(chunk)
                    else:
                        selector.unregister(key.fileobj)
        finally:
            selector.close()
            for stream in streams:
                stream.close()
        return timed_out

    def _kill_tree(self, pgid: int, *, escapees: bool) -> None:
        """SIGKILL the command's process group and, if asked, every process with our marker."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if escapees:
            _kill_marked(self._marker)

    def _cwd(self, cwd: str | None) -> Path:
        if cwd is None:
            return self._workspace
        path = PurePosixPath(cwd)
        if path.is_absolute():
            for root in (PurePosixPath(self.spec.workdir), PurePosixPath(self.workdir)):
                if path == root or root in path.parents:
                    path = path.relative_to(root)
                    break
            else:
                raise SessionError(f"cwd {cwd!r} is outside the workspace")
        if ".." in path.parts:
            raise SessionError(f"cwd {cwd!r} climbs out of the workspace")
        return self._workspace / path

    def read_file(self, path: str, max_bytes: int = 10_000_000) -> bytes | None:
        """Read a regular file of the workspace, never through a symlink (cut at max_bytes)."""
        if self.closed:
            raise SessionError("session is closed")
        return read_file_nofollow(self._workspace, path, max_bytes)

    def file_ids(self, paths: Collection[str]) -> dict[str, str | None]:
        """Blob ids of workspace files, hashed in place without following symlinks."""
        return {path: blob_id_nofollow(self._workspace, path) for path in paths}

    def disk_usage(self) -> DiskUsage | None:
        """Room left under the cap, measured by walking the workspace and the private HOME
        (not enforced: an overrun is seen only after the stage that made it)."""
        if self.closed:
            return None
        start_bytes, start_files = self._start_usage
        now_bytes, now_files = tree_usage(self._workspace)
        home_bytes, home_files = tree_usage(self._home)
        return DiskUsage(
            free_bytes=self._cap.disk_bytes - (now_bytes + home_bytes - start_bytes),
            free_files=self._cap.disk_files - (now_files + home_files - start_files),
        )

    def close(self) -> None:
        """Kill anything of ours still running and remove the private HOME. Idempotent."""
        if self.closed:
            return
        self.closed = True
        _kill_marked(self._marker)
        shutil.rmtree(self._home, ignore_errors=True)


def _exited(pid: int) -> bool:
    """Whether a child has exited, without reaping it (its pid stays ours until ``wait``)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _wait_exit(pid: int, deadline: float) -> bool:
    """Wait (without reaping) until the child exits or the deadline passes; True if it exited."""
    while not _exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _probe_unshare() -> tuple[str, ...] | None:
    """The first ``unshare`` invocation that works here, or ``None``."""
    if shutil.which("unshare") is None:
        return None
    for prefix in _UNSHARE_PROBES:
        try:
            done = subprocess.run(
                [*prefix, "true"], capture_output=True, timeout=10, env={"PATH": "/usr/bin:/bin"}
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return prefix
    return None


def _child_limits(limits: Limits, timeout_s: float, max_file_mb: int) -> dict[int, int]:
    """rlimits for a command, clamped to what this process may set."""
    wanted = {
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_AS: limits.memory_mb * 1024 * 1024,
        resource.RLIMIT_CPU: math.ceil(timeout_s * max(limits.cpus, 1.0)) + 5,
        resource.RLIMIT_FSIZE: max_file_mb * 1024 * 1024,
    }
    if os.getuid() != 0:
        # RLIMIT_NPROC counts every process of the user, not just ours (root is exempt).
        wanted[resource.RLIMIT_NPROC] = _processes_of(os.getuid()) + limits.pids
    clamped = {}
    for which, value in wanted.items():
        _soft, hard = resource.getrlimit(which)
        clamped[which] = value if hard == resource.RLIM_INFINITY else min(value, hard)
    return clamped


def _apply_limits(limits: dict[int, int]) -> None:
    """In the child, before exec: only setrlimit, nothing that takes a lock."""
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                continue
    return count


def _kill_marked(marker: str) -> None:
    """SIGKILL every process whose environment carries this session's marker."""
    for pid in _pids_with_marker(f"{MARKER_VARIABLE}={marker}".encode()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _pids_with_marker(marker: bytes) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as handle:
                if marker in handle.read().split(b"\0"):
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids
