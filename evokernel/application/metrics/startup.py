"""What a server found when it opened its store at start-up, until the whole log verifies again.

A torn tail cut at start-up means the node crashed mid-write: the cut was safe, but nothing
has checked the rest of the log since. ``StartupCheck`` keeps ``/healthz`` *degraded* from the
cut until a full ``verify`` (run once, in a background thread) says the chain holds; if it
does not, the check turns *failing* and names the record. A corrupt last record found at
start-up is *failing* from the start: the server still answers, so a person can see why.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from evokernel.application.metrics.health import HealthCheck, HealthStatus
from store import EventLog, StoreCorruptError, StoreError, TornTailRecovery

logger = logging.getLogger(__name__)

CHECK_NAME = "store_startup"
"""Name of the health check ``StartupCheck`` adds."""


class StartupCheck:
    """The store's state at start-up as one health check; safe to share between threads.

    Args:
        store_dir: the store that was opened.
        recovery: the torn tail the start-up open cut, if any.
        corruption: the corrupt record the start-up open refused, if any.
    """

    def __init__(
        self,
        store_dir: Path,
        recovery: TornTailRecovery | None = None,
        corruption: StoreCorruptError | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.recovery = recovery
        self._lock = threading.Lock()
        self._verified = threading.Event()
        self._failure: str | None = str(corruption) if corruption is not None else None
        if recovery is None or corruption is not None:
            self._verified.set()

    def start(self) -> None:
        """Verify the whole log in a background thread when a torn tail was cut."""
        if self._verified.is_set():
            return
        thread = threading.Thread(target=self._verify, name="store-startup-verify", daemon=True)
        thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the start-up verification is done; ``False`` if ``timeout`` ran out."""
        return self._verified.wait(timeout)

    def check(self) -> HealthCheck:
        """``ok``, ``degraded`` while the log is being verified, ``failing`` when it is not."""
        with self._lock:
            failure = self._failure
        details: dict[str, str | int | float | bool | None] = {}
        if self.recovery is not None:
            details["torn_tail_bytes"] = self.recovery.size
            details["side_file"] = str(self.recovery.side_file)
        if failure is not None:
            return HealthCheck(
                name=CHECK_NAME, status=HealthStatus.FAILING, reason=failure, details=details
            )
        if not self._verified.is_set():
            assert self.recovery is not None
            return HealthCheck(
                name=CHECK_NAME,
                status=HealthStatus.DEGRADED,
                reason=(
                    f"a torn tail of {self.recovery.size} bytes was cut at start-up; "
                    "the whole log is being verified again"
                ),
                details=details,
            )
        reason = "the log verified after the torn tail was cut" if self.recovery else "clean"
        return HealthCheck(name=CHECK_NAME, status=HealthStatus.OK, reason=reason, details=details)

    def _verify(self) -> None:
        try:
            with EventLog.open_readonly(self.store_dir) as log:
                report = log.verify()
            failure = (
                None
                if report.ok
                else f"line {report.first_bad_line} (seq {report.first_bad_seq}): {report.reason}"
            )
        except StoreError as exc:
            failure = str(exc)
        if failure is not None:
            logger.error("store %s does not verify after start-up: %s", self.store_dir, failure)
        with self._lock:
            self._failure = failure
        self._verified.set()


def open_store_at_startup(store_dir: Path) -> StartupCheck:
    """Open the store for writing once (creating it, cutting a torn tail) and watch the result.

    A corrupt last record does not stop the server: it is logged, and the returned check
    reports it as failing. A cut torn tail starts the background verification.

    Raises:
        StoreError: the store cannot be opened for another reason (a path that is not a
            store, no permission).
    """
    try:
        with EventLog.open(store_dir) as log:
            recovery = log.recovery
    except StoreCorruptError as exc:
        logger.error("store %s is corrupt; serving health and metrics only: %s", store_dir, exc)
        return StartupCheck(store_dir, corruption=exc)
    check = StartupCheck(store_dir, recovery)
    check.start()
    return check
