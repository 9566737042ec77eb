"""A primed first command: an exec started ahead of time that waits for its command line.

``docker exec`` costs ~50 ms, almost all of it in the runtime setting up the process; that
is the whole of a pooled session's first-command latency. So when the pool starts a container
it also starts one exec of a tiny waiter (Python, from the image's read-only root, run with
``-I -S`` so nothing in the workspace or environment can reach it). The waiter announces
itself, blocks on its stdin, and when a session's first command arrives it sets the command's
environment and working directory, points stdin at /dev/null, and ``execve``s the command in
place. The first command then starts in about a millisecond.

Trust is unchanged: the waiter is image code that ran before any workspace code, it is used
for one command only (the first, before anything untrusted has run in the container), and the
exit code is the same process's, read from exec inspect. Later commands use plain exec.
Images without ``python3`` simply get no primer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from sandbox._environment import minimal_env
from sandbox.docker._engine import FRAME_HEADER_SIZE, STDERR_FRAME, Engine, ExecStream
from sandbox.errors import SandboxError

READY_MARKER = b"evokernel-waiter-ready\n"
"""What the waiter writes to stderr once it is blocked on its stdin."""

EXEC_FAILED = 126
"""Exit status when the command cannot be executed (what ``docker exec`` reports too)."""

WAITER_SOURCE = f"""
import json, os
os.write(2, {READY_MARKER!r})
line = b""
while not line.endswith(b"\\n"):
    chunk = os.read(0, 65536)
    if not chunk:
        os._exit(125)
    line += chunk
request = json.loads(line)
env = dict(os.environ)
env.update(request["env"])
null = os.open("/dev/null", os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
try:
    os.chdir(request["cwd"])
    os.execvpe(request["argv"][0], request["argv"], env)
except OSError as exc:
    os.write(2, ("exec failed: %s\\n" % exc).encode())
    os._exit({EXEC_FAILED})
"""
"""The waiter. Reads one JSON line ``{argv, env, cwd}``; never returns to Python after it."""

WAITER_ARGV = ["python3", "-I", "-S", "-c", WAITER_SOURCE]


@dataclass
class PrimedExec:
    """A started waiter exec, ready to become one command."""

    exec_id: str
    stream: ExecStream

    def send(self, argv: list[str], env: dict[str, str], cwd: str) -> None:
        """Hand the waiter its command.

        Raises:
            EngineUnavailableError: the connection is gone (the caller falls back to exec).
        """
        line = json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode() + b"\n"
        self.stream.send(line)

    def close(self) -> None:
        """Release the connection (the waiter then reads end-of-file and exits)."""
        self.stream.close()


def prime(engine: Engine, container_id: str, *, user: str, timeout_s: float) -> PrimedExec | None:
    """Start a waiter in a fresh container and wait until it announces itself.

    Returns:
        The primed exec, or ``None`` when the image cannot run the waiter (no ``python3``) or
        it did not announce itself within ``timeout_s``.

    Raises:
        EngineUnavailableError: the engine stopped answering.
    """
    exec_id = engine.exec_create(
        container_id, WAITER_ARGV, env=minimal_env(), workdir="/", user=user, stdin=True
    )
    stream = engine.exec_start(exec_id)
    ready: list[bool] = []
    reader = threading.Thread(
        target=lambda: ready.append(_read_marker(stream)), name="evokernel-primer", daemon=True
    )
    reader.start()
    reader.join(timeout_s)
    if reader.is_alive():
        stream.abort()
        reader.join(timeout_s)
    if ready == [True]:
        return PrimedExec(exec_id=exec_id, stream=stream)
    stream.close()
    return None


def _read_marker(stream: ExecStream) -> bool:
    """Whether the first stream frame is the waiter's marker on stderr."""
    try:
        header = stream.read_exact(FRAME_HEADER_SIZE)
        if len(header) < FRAME_HEADER_SIZE or header[0] != STDERR_FRAME:
            return False
        size = int.from_bytes(header[4:8], "big")
        return size == len(READY_MARKER) and stream.read_exact(size) == READY_MARKER
    except SandboxError:
        return False
