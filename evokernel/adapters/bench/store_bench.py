"""The store benchmark behind ``evokernel bench store``: figures for docs/benchmarks.md.

One run measures, on the machine it runs on:

1. latency of one fsync'd ``EventLog.append`` against a raw ``os.write`` + ``os.fsync`` of the
   very same line bytes, and against one committed SQLite insert (WAL, ``synchronous=FULL``),
   interleaved sample by sample so that all three see the same disk;
2. throughput of ``append_many`` group commits against SQLite inserting the same events in
   one transaction per batch;
3. the time to open the store and project its events into the evolution view, cold, and
   from a snapshot plus catch-up.

The events are valid evolution events (a run's task received, signals detected, agent called,
validation completed), built once from the event models and varied by run id. Speed figures
live here, never in timed test assertions.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    AgentCalled,
    SignalsDetected,
    TaskReceived,
    ValidationCompleted,
    ValidationPurpose,
    event_payload,
)
from evokernel.domain.models import AgentTask
from evokernel.domain.models.feedback import ReasonCode
from store import Durability, EventLog, Record, canonical_json, sha256_hex

FSYNC_SAMPLES = 2_000
"""Fsync'd appends timed (capped by ``events``): enough for a stable median, far fewer than N."""
BATCH_SIZE = 1_000
"""Events per ``append_many`` group commit and per SQLite transaction."""
CATCH_UP_EVENTS = 1_000
"""Events appended after the snapshot, which the snapshot open must catch up on."""

Progress = Callable[[str], None]


class StoreBenchResult(BaseModel):
    """What one run of the store benchmark measured."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    events: int = Field(ge=1)
    """Events written by the batched run and then opened and projected."""
    append_fsync_us_p50: float
    """Median µs of one ``EventLog.append`` with ``Durability.FSYNC``."""
    raw_fsync_us_p50: float
    """Median µs of ``os.write`` + ``os.fsync`` of the same line bytes (the floor)."""
    append_fsync_ratio: float
    """``append_fsync_us_p50 / raw_fsync_us_p50`` (target: at most 1.5)."""
    sqlite_append_fsync_us_p50: float
    """Median µs of one SQLite insert committed on its own (WAL, synchronous=FULL)."""
    batched_events_per_s: float
    """Events/s through ``append_many`` in group commits of ``batch_size`` (target: 50,000)."""
    sqlite_batched_events_per_s: float
    """Events/s for SQLite storing the same hash-chained records, one transaction per batch."""
    sqlite_plain_batched_events_per_s: float
    """Events/s for SQLite storing each payload's plain JSON: no hashing, no canonical form."""
    scan_s: float
    """Seconds for ``EventLog.scan`` to read every record (the store's share of a cold open)."""
    open_cold_s: float
    """Seconds to open the store and project all events with no snapshot (target: 5 s at 1M)."""
    open_snapshot_s: float
    """Seconds to open, load the snapshot and catch up ``catch_up_events`` (target: 0.5 s)."""
    fsync_samples: int
    """How many fsync'd appends (and raw writes, and SQLite commits) were timed."""
    batch_size: int
    """Events per group commit."""
    catch_up_events: int
    """Events appended after the snapshot was saved."""
    notes: list[str] = Field(default_factory=list)
    """How the figures were taken, for reading them fairly."""


def run_store_bench(
    events: int, workdir: Path, progress: Progress | None = None
) -> StoreBenchResult:
    """Run every measurement once with ``events`` events, writing files under ``workdir``.

    Args:
        events: how many events the batched run writes and the open runs project.
        workdir: an existing directory for the stores and the SQLite databases (a few hundred
            bytes per event, twice over); left in place for the caller to remove.
        progress: called with a short line before each phase.
    """
    say = progress or (lambda _message: None)
    _remove_previous_run(workdir)
    templates = _event_templates()
    samples = min(events, FSYNC_SAMPLES)

    say(f"fsync'd appends: {samples} samples each for the store, raw writes and SQLite")
    append_us, raw_us, sqlite_us = _fsync_latencies(workdir, templates, samples)

    say(f"batched: {events:,} events in batches of {BATCH_SIZE:,}, store and SQLite in turn")
    store_dir = workdir / "store"
    batched, sqlite_batched, sqlite_plain = _batched_rates(workdir, templates, events)

    say("scan, then open and project cold")
    scan_s = _timed_scan(store_dir)
    snapshot = store_dir / "bench-view.snapshot"
    open_cold = _open_and_project(store_dir, snapshot, save=True)
    catch_up = min(CATCH_UP_EVENTS, events)
    with EventLog.open(store_dir, Durability.BATCH) as log:
        log.append_many(islice(_events(templates, events), catch_up))
    say(f"open from the snapshot, catching up {catch_up:,} events")
    open_snapshot = _open_and_project(store_dir, snapshot, save=False)

    return StoreBenchResult(
        events=events,
        append_fsync_us_p50=round(append_us, 1),
        raw_fsync_us_p50=round(raw_us, 1),
        append_fsync_ratio=round(append_us / raw_us, 3),
        sqlite_append_fsync_us_p50=round(sqlite_us, 1),
        batched_events_per_s=round(batched),
        sqlite_batched_events_per_s=round(sqlite_batched),
        sqlite_plain_batched_events_per_s=round(sqlite_plain),
        scan_s=_significant(scan_s),
        open_cold_s=_significant(open_cold),
        open_snapshot_s=_significant(open_snapshot),
        fsync_samples=samples,
        batch_size=BATCH_SIZE,
        catch_up_events=catch_up,
        notes=[
            "fsync figures interleave store, raw and SQLite per sample; store and raw swap order",
            "raw writes the exact line bytes the store wrote; no lock, no hashing, no encoding",
            "SQLite's fsync'd insert stores the same line bytes, seq, kind and hash as the log",
            "chained SQLite stores the log's own records and chain; plain SQLite hashes nothing",
            "batched: the three take turns per batch; each rate includes its own JSON encoding",
            "open figures read a file just written (warm page cache)",
        ],
    )


def _significant(seconds: float) -> float:
    """Four significant digits: readable, and never rounded down to zero."""
    return float(f"{seconds:.4g}")


_OWN_FILES = (
    "store",
    "fsync-store",
    "raw.jsonl",
    "fsync.sqlite",
    "chained.sqlite",
    "plain.sqlite",
)


def _remove_previous_run(workdir: Path) -> None:
    """Delete what an earlier run left in ``workdir`` (only the names this module writes)."""
    for name in _OWN_FILES:
        for path in (workdir / name, workdir / f"{name}-wal", workdir / f"{name}-shm"):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


def _event_templates() -> list[tuple[str, dict[str, Any]]]:
    """One run's worth of events, as ``(kind, payload)`` built through the event models."""
    task = AgentTask(
        task_id="task-bench-0001",
        repo_path="/srv/repos/shop",
        repo_identity="example/shop",
        base_rev="3f9a1c0d5e7b2a4f6c8e0a1b3d5f7a9c1e3b5d7f",
        description="Fix the failing cart total after the tax refactor",
        declared_signals=["test-failed:tests/test_cart.py::test_total"],
    )
    ids = {"run_id": "run-0", "task_id": task.task_id}
    events = [
        TaskReceived(run_id="run-0", task=task),
        SignalsDetected(
            **ids,
            signals=["exception:AssertionError", "test-failed:tests/test_cart.py::test_total"],
            signature=["test-failed:tests/test_cart.py::test_total"],
            failing_tests=["tests/test_cart.py::test_total"],
        ),
        AgentCalled(**ids, agent="scripted", model="bench", tokens_in=1800, tokens_out=420),
        ValidationCompleted(
            **ids,
            purpose=ValidationPurpose.PATCHED,
            attempt=1,
            passed=True,
            reason_code=ReasonCode.ACCEPTED,
            duration_s=3.25,
        ),
    ]
    return [event_payload(event) for event in events]


def _events(
    templates: list[tuple[str, dict[str, Any]]], start: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Endless events, one run (``len(templates)`` events) per run id."""
    index = start
    while True:
        kind, payload = templates[index % len(templates)]
        yield kind, {**payload, "run_id": f"run-{index // len(templates):08d}"}
        index += 1


def _fsync_latencies(
    workdir: Path, templates: list[tuple[str, dict[str, Any]]], samples: int
) -> tuple[float, float, float]:
    """Median µs of a store append, a raw write+fsync and a SQLite commit, interleaved.

    Each sample runs all three on the same disk moments; the store and the raw write swap
    order every other sample, and the raw write and SQLite both write the line the store
    wrote last, so the bytes are the same.
    """
    raw_fd = os.open(workdir / "raw.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    database = _sqlite(workdir / "fsync.sqlite")
    appends: list[float] = []
    raws: list[float] = []
    sqlites: list[float] = []
    clock = time.perf_counter
    try:
        with EventLog.open(workdir / "fsync-store", Durability.FSYNC) as log:

            def append(kind: str, payload: dict[str, Any]) -> Record:
                started = clock()
                record = log.append(kind, payload)
                appends.append(clock() - started)
                return record

            for index, (kind, payload) in enumerate(islice(_events(templates), samples)):
                if index % 2 == 0:
                    record = append(kind, payload)
                    line = canonical_json(record.to_dict()) + b"\n"
                started = clock()
                os.write(raw_fd, line)
                os.fsync(raw_fd)
                raws.append(clock() - started)
                if index % 2 == 1:
                    record = append(kind, payload)
                    line = canonical_json(record.to_dict()) + b"\n"

                row = (record.seq, kind, record.hash, line)
                started = clock()
                with database:
                    database.execute("INSERT INTO events VALUES (?, ?, ?, ?)", row)
                sqlites.append(clock() - started)
    finally:
        os.close(raw_fd)
        database.close()
    append_us, raw_us, sqlite_us = (statistics.median(v) * 1e6 for v in (appends, raws, sqlites))
    return append_us, raw_us, sqlite_us


def _batched_rates(
    workdir: Path, templates: list[tuple[str, dict[str, Any]]], events: int
) -> tuple[float, float, float]:
    """Events/s of the log, chained SQLite and plain SQLite on the same batches.

    The three take turns batch by batch, so that a busy machine slows all of them alike;
    building the batch (the caller's work) is not timed.
    """
    source = _events(templates)
    elapsed = [0.0, 0.0, 0.0]
    clock = time.perf_counter
    chained = _SqliteEvents(workdir / "chained.sqlite", chained=True)
    plain = _SqliteEvents(workdir / "plain.sqlite", chained=False)
    try:
        with EventLog.open(workdir / "store", Durability.BATCH) as log:
            for done in range(0, events, BATCH_SIZE):
                batch = list(islice(source, min(BATCH_SIZE, events - done)))
                started = clock()
                log.append_many(batch)
                elapsed[0] += clock() - started
                started = clock()
                chained.insert(batch)
                elapsed[1] += clock() - started
                started = clock()
                plain.insert(batch)
                elapsed[2] += clock() - started
    finally:
        chained.close()
        plain.close()
    store_rate, chained_rate, plain_rate = (events / seconds for seconds in elapsed)
    return store_rate, chained_rate, plain_rate


class _SqliteEvents:
    """The peer: an event table in SQLite (WAL, synchronous=FULL), one transaction per batch.

    ``chained`` stores the very records the log stores (canonical JSON with a SHA-256 chain,
    the payload serialised once, as the log does); otherwise each row is the payload's plain
    JSON with no hashing at all: the cheapest event table one could build on SQLite.
    """

    def __init__(self, path: Path, *, chained: bool) -> None:
        self._database = _sqlite(path)
        self._chained = chained
        self._seq = 0
        self._prev_hash = "0" * 64

    def insert(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        rows = []
        for kind, payload in batch:
            self._seq += 1
            if self._chained:
                body = {
                    "kind": kind,
                    "payload": payload,
                    "prev_hash": self._prev_hash,
                    "seq": self._seq,
                    "ts": ts,
                }
                record = canonical_json(body)
                self._prev_hash = sha256_hex(record)
                rows.append((self._seq, kind, self._prev_hash, record))
            else:
                rows.append((self._seq, kind, ts, orjson.dumps(payload)))
        with self._database:
            self._database.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)

    def close(self) -> None:
        self._database.close()


def _sqlite(path: Path) -> sqlite3.Connection:
    database = sqlite3.connect(path, isolation_level=None)
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("PRAGMA synchronous=FULL")
    database.execute(
        "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, kind TEXT, a TEXT, b BLOB)"
    )
    # isolation_level=None is autocommit; `with database` then needs an explicit BEGIN.
    database.isolation_level = "DEFERRED"
    return database


def _timed_scan(directory: Path) -> float:
    started = time.perf_counter()
    with EventLog.open_readonly(directory) as log:
        for _record in log.scan():
            pass
    return time.perf_counter() - started


def _open_and_project(directory: Path, snapshot: Path, *, save: bool) -> float:
    """Seconds to open the store and load its view; ``save``: open it writable, so that
    closing the repository saves the snapshot (untimed). Otherwise only read."""
    started = time.perf_counter()
    log = EventLog.open(directory) if save else EventLog.open_readonly(directory)
    with EvolutionRepository(log, snapshot_path=snapshot) as repository:
        repository.view()
        elapsed = time.perf_counter() - started
    return elapsed
