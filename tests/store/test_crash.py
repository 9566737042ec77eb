"""Crash test: SIGKILL a writer at random moments; nothing it acknowledged is ever lost."""

from __future__ import annotations

import os
import random
import select
import signal
import sys
import time
import traceback
from pathlib import Path

import pytest

from store import EventLog

KILLS = 200
TIME_LIMIT_S = 120.0


def _writer(directory: Path, ack_fd: int, seed: int) -> None:
    """Append forever; after each append returns, report its records as ``seq hash`` lines.

    Mixes single appends with large group commits so that some kills land inside a
    multi-kilobyte ``write`` and leave a torn tail.
    """
    rng = random.Random(seed)
    with EventLog.open(directory) as log:
        while True:
            if rng.random() < 0.3:
                size = rng.randrange(1, 64)
                items = [("k", {"pad": "x" * rng.randrange(4096)}) for _ in range(size)]
                records = log.append_many(items)
            else:
                records = [log.append("k", {"pad": "y" * rng.randrange(512)})]
            os.write(ack_fd, b"".join(b"%d %s\n" % (r.seq, r.hash.encode()) for r in records))


def _run_writer_until_killed(directory: Path, rng: random.Random) -> bytes:
    """Fork a writer, kill it after a random number of acks or a random short wait (whichever
    comes first), and return every acknowledgement it managed to send."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read_fd)
            _writer(directory, write_fd, rng.randrange(2**32))
        except BaseException:
            traceback.print_exc(file=sys.stderr)
        finally:
            os._exit(status)
    os.close(write_fd)
    acks = bytearray()
    wanted = rng.randrange(40)
    deadline = time.monotonic() + rng.uniform(0.0, 0.05)
    while acks.count(b"\n") < wanted:
        ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        acks += chunk
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    # Acks the writer sent before it died are still in the pipe: they count too.
    while chunk := os.read(read_fd, 1 << 16):
        acks += chunk
    os.close(read_fd)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"writer exited on its own (status {status}) instead of being killed"
    )
    return bytes(acks)


@pytest.mark.slow
def test_sigkilled_writers_lose_no_acknowledged_record(store_dir: Path) -> None:
    rng = random.Random(20240501)
    acknowledged: dict[int, str] = {}
    torn_tails = 0
    started = time.monotonic()
    for kill in range(KILLS):
        elapsed = time.monotonic() - started
        assert elapsed < TIME_LIMIT_S, f"only {kill} of {KILLS} kills in {elapsed:.0f} s"
        for line in _run_writer_until_killed(store_dir, rng).splitlines():
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
