"""Running one command in a container: drained output, a deadline, facts from the runtime.

The exec path is kept lean because it is what a validation waits on: create the exec (or
hand the command to a primed waiter, see ``primer``), start it on a hijacked connection,
drain the multiplexed stream in a reader thread (so a chatty command never blocks on a full
pipe, SWE-ReX's issue #261), then one exec inspect for the exit code. Anything else happens
only when needed: an OOM check only when the command failed, a tree kill only when the
deadline passed.

Trust: the exit code comes from exec inspect, the OOM fact from the engine's ``oom`` event,
the timeout from our own clock. Nothing the command prints is interpreted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox._output import HeadTailBuffer
from sandbox.docker._engine import (
    FRAME_HEADER_SIZE,
    STDERR_FRAME,
    SYSERR_FRAME,
    Engine,
    ExecStream,
)
from sandbox.docker.events import ContainerEvents
from sandbox.docker.primer import PrimedExec
from sandbox.errors import SandboxError
from sandbox.models import ExecResult

_SIGKILL_EXIT = 137
"""Exit status of a process killed by SIGKILL, which is what the OOM killer sends."""
_OOM_EVENT_WAIT_S = 1.0
"""How long a SIGKILLed command waits for the engine's ``oom`` event to arrive."""
_DRAIN_AFTER_KILL_S = 10.0
"""How long the reader may take to see end-of-stream after the container was killed."""


@dataclass(frozen=True)
class ExecTarget:
    """Where and how a command runs."""

    container_id: str
    user: str
    workdir: str
    env: dict[str, str]
    output_cap_bytes: int


class _Drain(threading.Thread):
    """Reads an exec stream to its end, demultiplexing frames into two capped buffers.

    Frames are ``[stream, 0, 0, 0, size (big-endian u32)]`` followed by ``size`` bytes;
    payloads are fed as they arrive, so no frame is held whole.
    """

    def __init__(self, stream: ExecStream, cap: int) -> None:
        super().__init__(name="evokernel-exec-drain", daemon=True)
        self.stream = stream
        self.stdout = HeadTailBuffer(cap)
        self.stderr = HeadTailBuffer(cap)
        self.error: SandboxError | None = None

    def run(self) -> None:
        try:
            self._demux()
        except SandboxError as exc:
            self.error = exc

    def _demux(self) -> None:
        header = bytearray()
        remaining = 0
        sink = self.stdout
        while chunk := self.stream.read():
            view = memoryview(chunk)
            pos = 0
            while pos < len(view):
                if remaining == 0:
                    take = FRAME_HEADER_SIZE - len(header)
                    header += view[pos : pos + take]
                    pos += take
                    if len(header) == FRAME_HEADER_SIZE:
                        is_err = header[0] in (STDERR_FRAME, SYSERR_FRAME)
                        sink = self.stderr if is_err else self.stdout
                        remaining = int.from_bytes(header[4:8], "big")
                        header.clear()
                    continue
                take = min(remaining, len(view) - pos)
                sink.feed(bytes(view[pos : pos + take]))
                pos += take
                remaining -= take


def run_exec(
    engine: Engine,
    events: ContainerEvents,
    target: ExecTarget,
    argv: list[str],
    *,
    timeout_s: float,
    kill_container: Callable[[], None],
    primed: PrimedExec | None = None,
) -> ExecResult:
    """Run ``argv`` in the target container and report what happened.

    Args:
        engine: the engine.
        events: the backend's event follower (for OOM kills).
        target: container, user, workdir, environment and output cap.
        argv: the command.
        timeout_s: wall-clock budget; on expiry ``kill_container`` is called, which ends the
            whole process tree (the container is single-use, so nothing of value is lost).
        kill_container: kills the container.
        primed: a waiter started ahead of time (see ``primer``) to become this command;
            consumed whatever happens. A plain exec is used without one, or if it is gone.

    Raises:
        SessionError: the exec could not be created or started.
        EngineUnavailableError: the engine stopped answering.
    """
    oom_before = events.oom_count(target.container_id)
    started = time.monotonic()
    deadline = started + timeout_s
    exec_id, stream = _start(engine, target, argv, primed)
    drain = _Drain(stream, target.output_cap_bytes)
    exit_code: int | None = None
    try:
        drain.start()
        drain.join(timeout_s)
        if not drain.is_alive() and drain.error is None:
            # Output ended; the command may still run with its streams closed.
            exit_code = _wait_for_exit(engine, exec_id, deadline)
        timed_out = drain.error is None and exit_code is None
        if timed_out:
            kill_container()
            drain.join(_DRAIN_AFTER_KILL_S)
            if drain.is_alive():
                stream.abort()
                drain.join(_DRAIN_AFTER_KILL_S)
    except BaseException:
        # Ctrl-C or a failure while waiting: stop reading; the session's close() removes the
        # container and with it the command.
        stream.abort()
        raise
    finally:
        stream.close()
    duration = time.monotonic() - started
    if drain.error is not None:
        raise drain.error

    oom_killed = False
    if exit_code is not None and exit_code != 0:
        wait = _OOM_EVENT_WAIT_S if exit_code == _SIGKILL_EXIT else 0.0
        oom_killed = events.wait_for_oom(target.container_id, above=oom_before, timeout_s=wait)
    return ExecResult(
        exit_code=exit_code,
        stdout=drain.stdout.text(),
        stderr=drain.stderr.text(),
        stdout_dropped_bytes=drain.stdout.dropped_bytes,
        stderr_dropped_bytes=drain.stderr.dropped_bytes,
        duration_s=duration,
        timed_out=timed_out,
        oom_killed=oom_killed,
    )


def _start(
    engine: Engine, target: ExecTarget, argv: list[str], primed: PrimedExec | None
) -> tuple[str, ExecStream]:
    """Start the command: through the primed waiter if there is one, else a plain exec."""
    if primed is not None:
        try:
            primed.send(argv, target.env, target.workdir)
        except SandboxError:
            primed.close()
        else:
            return primed.exec_id, primed.stream
    exec_id = engine.exec_create(
        target.container_id, argv, env=target.env, workdir=target.workdir, user=target.user
    )
    return exec_id, engine.exec_start(exec_id)


def _wait_for_exit(engine: Engine, exec_id: str, deadline: float) -> int | None:
    """The exit code from exec inspect, or ``None`` if the command still runs at ``deadline``.

    Usually the first inspect answers; the stream can end a moment before the engine records
    the exit, and a command can close its output and keep running, so poll with backoff.
    """
    pause = 0.002
    while True:
        state = engine.exec_inspect(exec_id)
        if not state.running and state.exit_code is not None:
            return state.exit_code
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.1)
