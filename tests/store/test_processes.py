"""Several real processes appending to one store at once."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from store import EventLog

WRITERS = 4
APPENDS = 2_000


def test_four_processes_append_without_gaps_or_forks(store_dir: Path) -> None:
    """4 x 2,000 appends: 8,000 records, seq 1..8000, one unbroken chain, and each writer's
    records in the order it wrote them.

    The writers use ``Durability.BATCH``: locking and catching up are the same code as under
    FSYNC, without 8,000 fsyncs of disk time on a shared CI box (the crash test appends
    under both policies).
    """
    script = Path(__file__).with_name("writer_process.py")
    writers = [
        subprocess.Popen(
            [sys.executable, str(script), str(store_dir), str(w), str(APPENDS), "batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    try:
        # Wait until every writer has the log open, then release them together.
        for proc in writers:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        for proc in writers:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=240)[0] for proc in writers]
    finally:
        for proc in writers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert [proc.returncode for proc in writers] == [0] * WRITERS
    assert outputs == ["done\n"] * WRITERS

    with EventLog.open_readonly(store_dir) as log:
        report = log.verify()
        records = list(log.scan())
    assert report.ok and report.records == WRITERS * APPENDS
    assert [r.seq for r in records] == list(range(1, WRITERS * APPENDS + 1))
    per_writer: dict[int, list[int]] = defaultdict(list)
    for record in records:
        per_writer[record.payload["writer"]].append(record.payload["n"])
    assert per_writer == {w: list(range(APPENDS)) for w in range(WRITERS)}
