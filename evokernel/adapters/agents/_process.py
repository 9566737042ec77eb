"""Run one external program the way an untrusted-but-local agent must be run.

Its own process group (so a timeout kills every descendant, not just the shell), stdin fed and
stdout/stderr drained by threads (no pipe can fill up and wedge it), output capped with head and
tail kept, and whatever the group left running killed when the leader exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from evokernel.domain.models import Model

_CHUNK = 65536
_JOIN_TIMEOUT_S = 5.0


class ProcessOutcome(Model):
    """What the program did. A timeout or a non-zero exit is data, not an exception."""

    exit_code: int | None
    """Exit status; negative for a signal; ``None`` when it had to be killed at the limit."""
    timed_out: bool
    """True when the wall-clock limit was reached and the group was killed."""
    duration_s: float
    """Wall-clock seconds from start to exit."""
    stdout: str
    """Captured stdout (head and tail when over the cap), decoded leniently."""
    stderr: str
    """Captured stderr, likewise."""
    stdout_bytes: int
    """Bytes the program wrote to stdout in total."""
    stderr_bytes: int
    """Bytes the program wrote to stderr in total."""


class _CappedBuffer:
    """Keeps the first and last ``cap // 2`` bytes of a stream and counts the rest."""

    def __init__(self, cap: int) -> None:
        self._half = max(cap // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._half - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self._tail += chunk
            del self._tail[: max(len(self._tail) - self._half, 0)]

    def text(self) -> str:
        omitted = self.total - len(self._head) - len(self._tail)
        marker = f"\n[... {omitted} bytes omitted ...]\n".encode() if omitted else b""
        return bytes(self._head + marker + self._tail).decode("utf-8", errors="replace")


def _drain(stream: IO[bytes], sink: _CappedBuffer) -> None:
    with stream:
        while chunk := os.read(stream.fileno(), _CHUNK):
            sink.add(chunk)


def _feed(stream: IO[bytes], data: bytes) -> None:
    # An agent that never reads stdin closes the pipe on exit; that is its choice, not an error.
    try:
        with stream:
            stream.write(data)
    except (BrokenPipeError, ValueError):
        return


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdin: bytes,
    timeout_s: float,
    kill_grace_s: float,
    output_cap_bytes: int,
) -> ProcessOutcome:
    """Run ``argv`` in a new session and wait for it, at most ``timeout_s`` seconds.

    Raises:
        OSError: the program could not be started (missing executable or working directory).
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    out, err = _CappedBuffer(output_cap_bytes), _CappedBuffer(output_cap_bytes)
    threads = [
        threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True),
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=kill_grace_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid, signal.SIGKILL)
            proc.wait()
    finally:
        # Whatever the agent left running in its group goes too; it would hold our pipes open.
        _kill_group(proc.pid, signal.SIGKILL)
    duration = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=_JOIN_TIMEOUT_S)
    return ProcessOutcome(
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=duration,
        stdout=out.text(),
        stderr=err.text(),
        stdout_bytes=out.total,
        stderr_bytes=err.total,
    )
