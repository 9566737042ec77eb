"""PyGithub's ``GithubRetry`` with our clock and sleep, and without duplicate-creating retries.

What it adds to ``GithubRetry`` (which already tells a rate-limit 403 from a permission 403):

- waits go through an injected ``sleep``, and primary-limit waits are computed from an injected
  ``clock`` and ``x-ratelimit-reset``, so tests assert the waits instead of sitting through them;
- ``Retry-After`` is honoured for 403 and 429 alike; a 429 is retried at all;
- a wait longer than ``max_wait`` raises ``GitHubRateLimitError`` instead of sleeping;
- a POST that failed with a 5xx or a read error is not retried: GitHub may have created the
  issue, comment or pull request already, and the loop's lookup-before-create step is the safe
  way to find out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from github import GithubRetry
from urllib3.response import BaseHTTPResponse

from evokernel.adapters.github.errors import GitHubRateLimitError

logger = logging.getLogger(__name__)

RATE_LIMIT_STATUSES = frozenset({403, 429})
RETRIED_5XX = (500, 502, 503, 504)
# everything urllib3 retries by default, plus PATCH (sets a state, so repeating is harmless);
# POST is deliberately absent
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"})


class RateLimitRetry(GithubRetry):
    """A ``urllib3.Retry`` for GitHub; build it with ``RateLimitRetry.build(...)``."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        max_wait: float,
        **kwargs: Any,
    ) -> None:
        self._sleep_fn = sleep
        self._clock = clock
        self._max_wait = max_wait
        super().__init__(**kwargs)

    @classmethod
    def build(
        cls,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        max_wait: float = 3660.0,
        retries: int = 6,
        secondary_wait: float = 60.0,
    ) -> RateLimitRetry:
        """A retry policy: ``retries`` attempts, exponential backoff for 5xx (1 s, 2 s, ...)."""
        return cls(
            sleep=sleep,
            clock=clock,
            max_wait=max_wait,
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            backoff_factor=1.0,
            backoff_max=120.0,
            status_forcelist=[429, *RETRIED_5XX],
            allowed_methods=IDEMPOTENT_METHODS,
            raise_on_status=False,
            respect_retry_after_header=True,
            secondary_rate_wait=secondary_wait,
            max_rate_limit_wait=None,
        )

    def new(self, **kw: Any) -> RateLimitRetry:
        kw.update(sleep=self._sleep_fn, clock=self._clock, max_wait=self._max_wait)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in RATE_LIMIT_STATUSES:
            # the request was refused before any effect, so even a POST may be repeated;
            # GithubRetry.increment then tells a rate-limit 403 from a permission 403
            return bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait, reset_at = self.wait_for(response)
        status = response.status if response is not None else 0
        if wait > self._max_wait:
            raise GitHubRateLimitError(
                f"GitHub asks to wait {wait:.0f}s, more than the maximum {self._max_wait:.0f}s",
                status=status or None,
                reset_at=reset_at,
                retry_after=wait,
            )
        if wait > 0:
            logger.info("GitHub answered %s; waiting %.1fs before retrying", status, wait)
            self._sleep_fn(wait)

    def wait_for(self, response: BaseHTTPResponse | None) -> tuple[float, int | None]:
        """Seconds to wait before the next attempt, and the primary reset epoch if known."""
        if response is None:
            return self.get_backoff_time(), None
        headers = response.headers
        retry_after = headers.get("Retry-After")
        reset = headers.get("X-RateLimit-Reset")
        reset_at = int(reset) if reset and reset.isdigit() else None
        if retry_after is not None:
            return self.parse_retry_after(retry_after), reset_at
        spent = headers.get("X-RateLimit-Remaining") == "0"
        if response.status in RATE_LIMIT_STATUSES and spent and reset_at is not None:
            # +1: it is not known where in that second the window resets
            return max(reset_at - self._clock(), 0.0) + 1.0, reset_at
        return self.get_backoff_time(), reset_at
