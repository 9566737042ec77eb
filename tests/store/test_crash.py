"""Crash test: SIGKILL a writer at random moments; nothing it acknowledged is ever lost."""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from store import EventLog
from tests.store.crash_writer import READY, write_until_killed

KILLS = 200
"""Each kill costs a writer start (a few ms from the forkserver), at most 30 ms of appending,
and a verify of the log: about 10 s in all on an idle 2-core box."""


def _read_ready(acks: Connection, timeout: float) -> bytes | None:
    """Bytes the writer sent, waiting up to ``timeout``; ``None`` when nothing came in time."""
    ready, _, _ = select.select([acks.fileno()], [], [], max(0.0, timeout))
    if not ready:
        return None
    return os.read(acks.fileno(), 1 << 16)


def _run_writer_until_killed(
    context: multiprocessing.context.ForkServerContext, directory: Path, rng: random.Random
) -> bytes:
    """Start a writer, kill it after a random number of acks or a random short wait
    (whichever comes first), and return every acknowledgement it managed to send."""
    acks, writer_end = context.Pipe(duplex=False)
    writer = context.Process(
        target=write_until_killed, args=(directory, writer_end, rng.randrange(2**32))
    )
    writer.start()
    writer_end.close()
    first = _read_ready(acks, 60.0) or b""
    assert first.startswith(READY), f"the writer never started: {first!r}"
    received = bytearray(first[len(READY) :])
    wanted = rng.randrange(30)
    deadline = time.monotonic() + rng.uniform(0.0, 0.03)
    while received.count(b"\n") < wanted:
        chunk = _read_ready(acks, deadline - time.monotonic())
        if not chunk:  # the wait is over, or the writer died on its own
            break
        received += chunk
    writer.kill()
    writer.join(timeout=60)
    assert writer.exitcode == -signal.SIGKILL, (
        f"writer ended with {writer.exitcode} instead of being killed"
    )
    # Acks the writer sent before it died are still in the pipe: they count too.
    while chunk := _read_ready(acks, 0.0):
        received += chunk
    acks.close()
    # A kill can cut the last ack line short; only whole lines were acknowledged.
    return bytes(received[: received.rfind(b"\n") + 1])


@pytest.mark.slow
def test_sigkilled_writers_lose_no_acknowledged_record(store_dir: Path) -> None:
    # A forkserver starts each writer from a clean single-threaded process with the store
    # already imported: fast, and safe whatever threads the test process has.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.store.crash_writer"])
    rng = random.Random(20240501)
    acknowledged: dict[int, str] = {}
    torn_tails = 0
    for kill in range(KILLS):
        for line in _run_writer_until_killed(context, store_dir, rng).splitlines():
            seq, digest = line.split()
            acknowledged[int(seq)] = digest.decode()

        with EventLog.open(store_dir) as log:
            torn_tails += log.recovery is not None
            report = log.verify()
            assert report.ok, f"after kill {kill}: {report}"
            stored = {record.seq: record.hash for record in log.scan()}
        missing = {seq for seq, digest in acknowledged.items() if stored.get(seq) != digest}
        assert not missing, f"after kill {kill}: acknowledged records lost: {sorted(missing)[:5]}"

    assert len(acknowledged) > KILLS
    print(f"{KILLS} kills, {len(acknowledged)} acknowledged records, {torn_tails} torn tails cut")
