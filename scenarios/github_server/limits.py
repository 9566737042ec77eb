"""Rate-limit accounting and the queue of injected failures.

GitHub meters each user per resource (``core``: 5,000 an hour, ``search``: 30 a minute) and says
so in ``x-ratelimit-*`` headers on every response. Tests also need GitHub's bad days on demand:
a secondary limit (403 + Retry-After), a 429, a 500, or an exhausted primary limit; those are
queued as ``Failure`` rules and consumed by the next matching requests.
"""

from __future__ import annotations

import fnmatch
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    """Which of GitHub's failure answers to give."""

    SECONDARY_RATE_LIMIT = "secondary_rate_limit"
    """403 "You have exceeded a secondary rate limit" with ``Retry-After``."""
    TOO_MANY_REQUESTS = "too_many_requests"
    """429 with ``Retry-After``."""
    SERVER_ERROR = "server_error"
    """500 "Server Error"."""
    PRIMARY_RATE_LIMIT = "primary_rate_limit"
    """403 "API rate limit exceeded" with ``x-ratelimit-remaining: 0`` and a reset epoch."""


@dataclass(frozen=True)
class Failure:
    """A rule: the next ``times`` requests matching ``method`` and ``path`` fail as ``kind``."""

    kind: FailureKind
    method: str = "*"
    """HTTP method, or ``*`` for any."""
    path: str = "*"
    """``fnmatch`` pattern over the API path without query, e.g. ``/repos/*/issues``."""
    times: int = 1
    retry_after: int | None = 1
    """Seconds in ``Retry-After`` (secondary limit and 429); None sends no such header."""
    reset_at: int | None = None
    """Epoch seconds in ``x-ratelimit-reset`` for a primary-limit failure (default: now + 60)."""

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and fnmatch.fnmatchcase(path, self.path)


@dataclass
class _Rule:
    failure: Failure
    left: int


class FailureQueue:
    """Rules in the order they were injected; the first matching rule answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def push(self, failure: Failure) -> None:
        with self._lock:
            self._rules.append(_Rule(failure, failure.times))

    def take(self, method: str, path: str) -> Failure | None:
        with self._lock:
            for rule in self._rules:
                if rule.left > 0 and rule.failure.matches(method, path):
                    rule.left -= 1
                    return rule.failure
            return None

    def pending(self) -> int:
        """How many injected failures have not been served yet."""
        with self._lock:
            return sum(rule.left for rule in self._rules)


@dataclass(frozen=True)
class RateState:
    """One user's standing on one resource, as the ``x-ratelimit-*`` headers report it."""

    resource: str
    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": self.resource,
        }

    def json(self) -> dict[str, int]:
        """The ``rate-limit`` schema."""
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset": self.reset,
            "used": self.used,
        }


class RateLimits:
    """Fixed windows per (user, resource), timed by the server's clock."""

    def __init__(self, quotas: dict[str, tuple[int, int]], clock: Callable[[], float]) -> None:
        self._quotas = quotas
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}

    def _window(self, login: str, resource: str) -> tuple[int, int]:
        period = self._quotas[resource][1]
        now = self._clock()
        used, reset = self._windows.get((login, resource), (0, 0))
        if now >= reset:
            used, reset = 0, math.ceil(now) + period
        return used, reset

    def peek(self, login: str, resource: str) -> RateState:
        with self._lock:
            used, reset = self._window(login, resource)
            return RateState(resource, self._quotas[resource][0], used, reset)

    def charge(self, login: str, resource: str) -> tuple[RateState, bool]:
        """Count one request; returns the new state and False when the quota was already spent."""
        with self._lock:
            used, reset = self._window(login, resource)
            limit = self._quotas[resource][0]
            if used >= limit:
                self._windows[(login, resource)] = (used, reset)
                return RateState(resource, limit, used, reset), False
            self._windows[(login, resource)] = (used + 1, reset)
            return RateState(resource, limit, used + 1, reset), True
