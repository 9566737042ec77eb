"""A sliding-window cap on content-creating requests (issues, pull requests, comments, labels).

GitHub's secondary limits punish bursts of content creation long before the primary quota runs
out; staying under a per-minute cap (default 20) keeps the loop polite by construction.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class CreateThrottle:
    """Allows at most ``per_minute`` acquisitions in any 60-second window; waits otherwise.

    Args:
        per_minute: the cap; must be at least 1.
        clock: monotonic-enough seconds (injectable).
        sleep: how to wait (injectable; a test's sleep advances its clock).
    """

    def __init__(
        self, per_minute: int, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()

    def acquire(self) -> float:
        """Record one creation, first waiting until the window has room; returns seconds waited."""
        waited = 0.0
        while True:
            now = self._clock()
            while self._stamps and self._stamps[0] <= now - WINDOW_SECONDS:
                self._stamps.popleft()
            if len(self._stamps) < self.per_minute:
                self._stamps.append(now)
                return waited
            wait = self._stamps[0] + WINDOW_SECONDS - now
            self._sleep(wait)
            waited += wait
