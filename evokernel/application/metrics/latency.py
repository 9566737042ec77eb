"""Sandbox start and run latency, measured where it happens: around ``open`` and ``exec``.

The store does not hold these durations (a receipt keeps each stage's duration, not how long
the session took to start), so they are measured in the process that runs validations:
``TimedSandbox`` wraps the configured backend, times ``Sandbox.open`` (sandbox start: a warm
container handed out, or a cold one created and started) and ``SandboxSession.exec`` (one
stage's command, wall clock, engine round trips included), and feeds ``SandboxLatency``.
Failed starts and failed execs raise and are not observed: a latency is a time to success.
``open_runtime`` wraps its backend with one, so every validation a runtime makes is counted.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from evokernel.domain.models import Model
from sandbox import ExecRequest, ExecResult, Sandbox, SandboxSession, SessionSpec

START_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds (seconds) of the sandbox start histogram."""

RUN_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
"""Upper bounds (seconds) of the sandbox run histogram."""


class HistogramSnapshot(Model):
    """One histogram's state: cumulative counts per upper bound, as Prometheus shows them."""

    bounds: list[float]
    """Finite upper bounds, ascending (``+Inf`` is implied and equals ``count``)."""
    cumulative: list[int]
    """Observations less than or equal to each bound."""
    count: int = 0
    """All observations."""
    sum: float = 0.0
    """Sum of the observed seconds."""


class _Histogram:
    __slots__ = ("_bounds", "_counts", "_sum")

    def __init__(self, bounds: Sequence[float]) -> None:
        self._bounds = tuple(sorted(bounds))
        self._counts = [0] * (len(self._bounds) + 1)  # the last slot is +Inf
        self._sum = 0.0

    def observe(self, seconds: float) -> None:
        self._counts[bisect.bisect_left(self._bounds, seconds)] += 1
        self._sum += seconds

    def snapshot(self) -> HistogramSnapshot:
        cumulative, running = [], 0
        for count in self._counts[:-1]:
            running += count
            cumulative.append(running)
        return HistogramSnapshot(
            bounds=list(self._bounds),
            cumulative=cumulative,
            count=running + self._counts[-1],
            sum=self._sum,
        )


class LatencySnapshot(Model):
    """Both sandbox latency histograms at one moment."""

    start: HistogramSnapshot
    """Seconds ``Sandbox.open`` took (sandbox start)."""
    run: HistogramSnapshot
    """Seconds each ``SandboxSession.exec`` took (one stage's run)."""
    pool_idle: dict[str, int] = Field(default_factory=dict)
    """Warm containers ready, by image (Docker backend with a pool; empty otherwise)."""


class SandboxLatency:
    """Thread-safe sandbox start and run histograms for one process.

    Args:
        start_buckets: upper bounds of the start histogram (seconds).
        run_buckets: upper bounds of the run histogram (seconds).
    """

    def __init__(
        self,
        start_buckets: Sequence[float] = START_BUCKETS,
        run_buckets: Sequence[float] = RUN_BUCKETS,
    ) -> None:
        self._lock = threading.Lock()
        self._start = _Histogram(start_buckets)
        self._run = _Histogram(run_buckets)
        self._sandboxes: list[Sandbox] = []

    def observe_start(self, seconds: float) -> None:
        """Record one successful sandbox start."""
        with self._lock:
            self._start.observe(seconds)

    def observe_run(self, seconds: float) -> None:
        """Record one command run inside a session."""
        with self._lock:
            self._run.observe(seconds)

    def watch_pool(self, sandbox: Sandbox) -> None:
        """Report ``sandbox``'s warm pool (if it has one) in every snapshot."""
        with self._lock:
            self._sandboxes.append(sandbox)

    def forget_pool(self, sandbox: Sandbox) -> None:
        """Stop reporting ``sandbox``'s pool (it was closed)."""
        with self._lock:
            self._sandboxes = [s for s in self._sandboxes if s is not sandbox]

    def snapshot(self) -> LatencySnapshot:
        """Both histograms and the watched pools, now."""
        with self._lock:
            start, run = self._start.snapshot(), self._run.snapshot()
            sandboxes = list(self._sandboxes)
        idle: dict[str, int] = {}
        for sandbox in sandboxes:
            status = getattr(sandbox, "pool_status", None)
            if status is None:
                continue
            for image, count in status().items():
                idle[image] = idle.get(image, 0) + count
        return LatencySnapshot(start=start, run=run, pool_idle=idle)


class _TimedSession(SandboxSession):
    """A session whose ``exec`` calls are timed; everything else is the wrapped session's."""

    def __init__(self, inner: SandboxSession, latency: SandboxLatency) -> None:
        self._inner = inner
        self._latency = latency
        self.workdir = inner.workdir

    def exec(self, request: ExecRequest) -> ExecResult:
        started = time.monotonic()
        result = self._inner.exec(request)
        self._latency.observe_run(time.monotonic() - started)
        return result

    def read_file(self, path: str, max_bytes: int = 10_000_000) -> bytes | None:
        return self._inner.read_file(path, max_bytes)

    def close(self) -> None:
        self._inner.close()


class TimedSandbox(Sandbox):
    """A backend wrapper that times session starts and command runs into ``latency``.

    Args:
        inner: the real backend; it stays the owner of its sessions, pool and cleanup.
        latency: where the durations go.
    """

    def __init__(self, inner: Sandbox, latency: SandboxLatency) -> None:
        self._inner = inner
        self._latency = latency
        self.name = inner.name
        self.isolates = inner.isolates
        latency.watch_pool(inner)

    @property
    def inner(self) -> Sandbox:
        """The wrapped backend."""
        return self._inner

    def open(self, spec: SessionSpec) -> SandboxSession:
        started = time.monotonic()
        session = self._inner.open(spec)
        self._latency.observe_start(time.monotonic() - started)
        return _TimedSession(session, self._latency)

    def image_id(self, image: str | None = None) -> str | None:
        return self._inner.image_id(image)

    def close(self) -> None:
        self._latency.forget_pool(self._inner)
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        # Backend extras (``pool_status``) stay reachable through the wrapper.
        if name == "_inner":
            raise AttributeError(name)
        return getattr(self._inner, name)
