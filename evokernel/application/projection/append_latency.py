"""Store append latency, counted by every process that records, read by ``evokernel serve``.

Appends happen in the processes that run tasks (run, capture, eval, the GitHub loop, MCP), not
in the server a scraper reads, so the histogram lives in files in the store directory:
``<store>/metrics/histogram_append-N.db``, in prometheus_client's multiprocess file format
(an mmap'd ``MmapedDict`` of doubles, one per bucket and one for the sum), read back with
``MultiProcessCollector.merge``. prometheus_client's multiprocess *mode* is not switched on:
``PROMETHEUS_MULTIPROC_DIR`` is process-wide (every library's metrics would land in the store)
and its one file per pid grows without bound over thousands of short CLI runs.

The files are slots instead. A writer claims the first slot whose lock no live process holds
(``filelock``: an ``flock`` the kernel releases when its process dies) and keeps adding to that
slot's counts. So there are never more files than repositories that recorded at the same
time, the counts outlive the processes (Prometheus sees counters that never reset), and no
file is ever merged or deleted, so a scrape can neither miss nor double count an append.
Counts live in the page cache, not fsync'd: a power cut may lose the last few, never a record.
"""

from __future__ import annotations

import bisect
import logging
import os
import struct
import threading
import weakref
from pathlib import Path

from filelock import FileLock, Timeout
from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.utils import floatToGoString

from evokernel.domain.models import Model

logger = logging.getLogger(__name__)

APPEND_SECONDS = "evokernel_store_append_seconds"
"""The histogram's metric name."""

APPEND_HELP = "Seconds one store commit took (lock, write, fsync), in every process that records."
"""Its help text."""

APPEND_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
"""Finite upper bounds (seconds): an fsync'd commit takes from a fraction of a ms to seconds."""

METRICS_DIR = "metrics"
"""Directory under the store directory that holds the slot files."""

MAX_SLOTS = 64
"""Slots at most; a writer that finds them all held counts nothing (and says so once)."""

_UNREADABLE = (OSError, RuntimeError, ValueError, KeyError, IndexError, struct.error)
"""What a damaged or foreign slot file raises when prometheus_client reads it."""


def _le(bound: float) -> str:
    text: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return text


def _bucket_key(le: str) -> str:
    return mmap_key(APPEND_SECONDS, f"{APPEND_SECONDS}_bucket", ["le"], [le], APPEND_HELP)


_SUM_KEY = mmap_key(APPEND_SECONDS, f"{APPEND_SECONDS}_sum", [], [], APPEND_HELP)
_BUCKET_KEYS = tuple(_bucket_key(_le(b)) for b in (*APPEND_BUCKETS, float("inf")))


def slot_path(store_dir: Path, slot: int) -> Path:
    """The histogram file of ``slot`` (its lock is the same name with ``.lock``)."""
    return store_dir / METRICS_DIR / f"histogram_append-{slot}.db"


class AppendLatencyCounts(Model):
    """The append histogram summed over every slot of one store."""

    bounds: list[float]
    """Finite upper bounds, ascending."""
    counts: list[int]
    """Appends per bucket, not cumulative; one more than ``bounds`` (the last is ``+Inf``)."""
    sum: float = 0.0
    """Seconds, all appends."""


class _Slot:
    """One claimed slot: its lock, held for the slot's life, and its mmap'd counts."""

    def __init__(self, lock: FileLock, path: Path) -> None:
        if path.exists() and path.stat().st_size:
            # Read it once first: a damaged file then raises here, before ``MmapedDict``
            # has opened a file it would not close.
            list(MmapedDict.read_all_values_from_file(str(path)))  # type: ignore[no-untyped-call]
        self._lock = lock
        self._pid = os.getpid()
        self._file = MmapedDict(str(path))  # type: ignore[no-untyped-call]
        # A repository nobody closed must not leave an open file (a ResourceWarning) behind.
        self._closer = weakref.finalize(self, self._file.close)

    @property
    def owned(self) -> bool:
        """False in a forked child, which must claim a slot of its own."""
        return self._pid == os.getpid()

    def add(self, key: str, amount: float) -> None:
        value, _timestamp = self._file.read_value(key)  # type: ignore[no-untyped-call]
        self._file.write_value(key, value + amount, 0.0)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        self._closer()
        self._lock.release()


class AppendLatency:
    """The append latency histogram of one writing repository; safe to share by threads.

    The slot is claimed at the first observation (a read-only or idle repository leaves no
    file) and released by ``close``. Counting never raises: a store directory the metrics
    cannot be written to costs a warning, never a commit.

    Args:
        store_dir: the store directory.
    """

    def __init__(self, store_dir: Path) -> None:
        self._store_dir = store_dir
        self._mutex = threading.Lock()
        self._slot: _Slot | None = None
        self._off = False

    def observe(self, seconds: float) -> None:
        """Count one commit that took ``seconds``."""
        index = bisect.bisect_left(APPEND_BUCKETS, seconds)  # le: seconds <= bound
        with self._mutex:
            if self._off:
                return
            try:
                slot = self._claimed()
                if slot is None:
                    return
                slot.add(_BUCKET_KEYS[index], 1.0)
                slot.add(_SUM_KEY, seconds)
            except _UNREADABLE as exc:
                self._give_up(f"cannot count store append latency in {self._dir}: {exc}")

    def close(self) -> None:
        """Release the slot for the next writer. Idempotent."""
        with self._mutex:
            slot, self._slot = self._slot, None
            if slot is not None and slot.owned:
                slot.close()

    @property
    def _dir(self) -> Path:
        return self._store_dir / METRICS_DIR

    def _claimed(self) -> _Slot | None:
        if self._slot is not None and self._slot.owned:
            return self._slot
        self._slot = None  # a forked child leaves the parent's slot to the parent
        self._dir.mkdir(parents=True, exist_ok=True)
        for number in range(MAX_SLOTS):
            path = slot_path(self._store_dir, number)
            lock = FileLock(str(path.with_suffix(".lock")), timeout=0)
            try:
                lock.acquire()
            except Timeout:
                continue  # another live process counts there
            try:
                self._slot = _Slot(lock, path)
            except _UNREADABLE as exc:
                lock.release()
                logger.warning("skipping the damaged append latency file %s: %s", path, exc)
                continue
            return self._slot
        self._give_up(f"all {MAX_SLOTS} append latency slots in {self._dir} are held")
        return None

    def _give_up(self, reason: str) -> None:
        self._off = True
        logger.warning("%s; this process stops counting store append latency", reason)


def read_append_latency(store_dir: Path) -> AppendLatencyCounts:
    """Sum every slot of the store in ``store_dir`` (no files yet: all zeros). Only reads.

    A slot file that cannot be read (damaged, or written by an incompatible version) is
    skipped with a warning, so one bad file does not hide the others.
    """
    counts = [0] * (len(APPEND_BUCKETS) + 1)
    total = 0.0
    directory = store_dir / METRICS_DIR
    paths = sorted(directory.glob("histogram_append-*.db")) if directory.is_dir() else []
    for path in paths:
        try:
            merged = MultiProcessCollector.merge(  # type: ignore[no-untyped-call]
                [str(path)], accumulate=False
            )
            metrics: list[Metric] = list(merged)
        except _UNREADABLE as exc:
            logger.warning("skipping the unreadable append latency file %s: %s", path, exc)
            continue
        for metric in metrics:
            if metric.name != APPEND_SECONDS:
                continue
            for sample in metric.samples:
                if sample.name.endswith("_bucket"):
                    bound = float(sample.labels["le"])
                    counts[bisect.bisect_left(APPEND_BUCKETS, bound)] += int(sample.value)
                elif sample.name.endswith("_sum"):
                    total += sample.value
    return AppendLatencyCounts(bounds=list(APPEND_BUCKETS), counts=counts, sum=total)
