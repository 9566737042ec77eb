"""``/healthz``: real checks of what a node needs, each with a status and a reason.

Checks:

- ``store``: the log opens read-only, and its last ``tail`` records link to each other and
  hash to what they claim (every store read verifies both). Missing or corrupt (a complete
  last line that is not a valid record included): ``failing``, since nothing the node says
  can be trusted. A torn tail waiting for the next writer to move it aside: ``degraded``.
  Reads only, never repairs.
- ``store_startup`` (``evokernel serve``, from ``evokernel.application.metrics.startup``):
  ``degraded`` from a torn tail cut at start-up until the whole log verifies again,
  ``failing`` when it does not or when the last record was corrupt at start-up.
- ``engine`` and ``image`` (Docker backend): the engine answers an image inspect within the
  timeout, and the configured image is present. Either missing: ``degraded`` (the node still
  serves what it has; imported assets stay quarantined until validations can run). These are
  the doctor's engine and image checks without its limit probe, which starts a container and
  is too slow for a probe; ``evokernel sandbox doctor`` runs that one.
- ``sandbox`` (local backend): ``degraded``, as the doctor says: it does not isolate.

Overall: the worst status; HTTP 200 for ``ok`` and ``degraded``, 503 for ``failing``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from evokernel.domain.models import Model
from sandbox import (
    ClientFactory,
    DockerSandboxConfig,
    LocalSandboxConfig,
    SandboxError,
    docker_client_factory,
    inspect_image,
    run_doctor,
)
from store import EventLog, StoreCorruptError, StoreError, StoreNotFoundError

TAIL_RECORDS = 64
"""How many of the last store records the store check verifies."""

ENGINE_TIMEOUT_S = 5.0
"""Longest the engine check waits (less than the sandbox's own engine timeout if that is)."""


class HealthStatus(StrEnum):
    """Outcome of one check, and of the whole report."""

    OK = "ok"
    """Works."""
    DEGRADED = "degraded"
    """The node serves, but something it needs for validation or recovery is missing."""
    FAILING = "failing"
    """The node cannot be trusted to serve (store missing or corrupt)."""


_HTTP_STATUS = {HealthStatus.OK: 200, HealthStatus.DEGRADED: 200, HealthStatus.FAILING: 503}
_RANK = {HealthStatus.OK: 0, HealthStatus.DEGRADED: 1, HealthStatus.FAILING: 2}

Detail = str | int | float | bool | None


class HealthCheck(Model):
    """One check and why it came out as it did."""

    name: str
    """``store``, ``store_startup``, ``engine``, ``image`` or ``sandbox``."""
    status: HealthStatus
    """Outcome."""
    reason: str
    """Why, in one line."""
    details: dict[str, Detail] = Field(default_factory=dict)
    """What was measured."""


class HealthReport(Model):
    """Every check, the worst of them, and the HTTP status that goes with it."""

    status: HealthStatus
    """The worst check status."""
    http_status: int
    """200 for ``ok`` and ``degraded``, 503 for ``failing``."""
    checks: list[HealthCheck]
    """Checks in the order they ran."""


def health_report(checks: list[HealthCheck]) -> HealthReport:
    """The report over ``checks``: worst status wins."""
    worst = max((c.status for c in checks), key=_RANK.__getitem__, default=HealthStatus.OK)
    return HealthReport(status=worst, http_status=_HTTP_STATUS[worst], checks=checks)


def check_store(store_dir: Path, tail: int = TAIL_RECORDS) -> HealthCheck:
    """Open the store read-only and verify its last ``tail`` records (links and hashes)."""
    try:
        log = EventLog.open_readonly(store_dir)
    except StoreNotFoundError:
        return HealthCheck(
            name="store", status=HealthStatus.FAILING, reason=f"no store at {store_dir}"
        )
    except StoreError as exc:
        return HealthCheck(name="store", status=HealthStatus.FAILING, reason=str(exc))
    with log:
        try:
            head = log.head()  # raises for a corrupt last record (a complete line, not torn)
            checked = _verify_tail(log, head.seq if head else 0, tail)
        except StoreCorruptError as exc:
            return HealthCheck(
                name="store",
                status=HealthStatus.FAILING,
                reason=f"store tail does not verify: {exc}",
                details={"seq": exc.seq},
            )
        details: dict[str, Detail] = {"last_seq": head.seq if head else 0, "verified": checked}
        if log.recovery is not None:
            details["torn_tail_bytes"] = log.recovery.size
            return HealthCheck(
                name="store",
                status=HealthStatus.DEGRADED,
                reason="a torn tail waits for the next writer to move it aside",
                details=details,
            )
    return HealthCheck(
        name="store",
        status=HealthStatus.OK,
        reason=f"the last {checked} record(s) verify" if checked else "empty store",
        details=details,
    )


def _verify_tail(log: EventLog, head_seq: int, tail: int) -> int:
    """Links and hashes of the last ``tail`` records (``scan`` verifies each record it reads)."""
    if head_seq == 0:
        return 0
    checked = 0
    for record in log.scan(max(1, head_seq - tail + 1)):
        checked += 1
        if record.seq >= head_seq:
            break
    return checked


def check_sandbox(
    config: DockerSandboxConfig | LocalSandboxConfig,
    *,
    client_factory: ClientFactory | None = None,
) -> list[HealthCheck]:
    """The engine and image checks (Docker), or the local backend's isolation check."""
    if isinstance(config, LocalSandboxConfig):
        doctor = run_doctor(config).check("backend")
        return [HealthCheck(name="sandbox", status=HealthStatus.DEGRADED, reason=doctor.reason)]
    factory = client_factory or docker_client_factory(config.base_url)
    timeout = min(ENGINE_TIMEOUT_S, config.engine_timeout_s)
    try:
        client = factory(timeout)
    except SandboxError as exc:
        return _engine_down(str(exc))
    with contextlib.closing(client):
        try:
            found = inspect_image(client, config.image)
        except SandboxError as exc:
            return _engine_down(str(exc))
    engine = HealthCheck(name="engine", status=HealthStatus.OK, reason="the Docker engine answers")
    if found is None:
        image = HealthCheck(
            name="image",
            status=HealthStatus.DEGRADED,
            reason=f"image {config.image} is not present; run `evokernel sandbox build-image`",
        )
    else:
        image = HealthCheck(
            name="image",
            status=HealthStatus.OK,
            reason=f"image {config.image} is present",
            details={"id": found.get("Id")},
        )
    return [engine, image]


def _engine_down(reason: str) -> list[HealthCheck]:
    return [
        HealthCheck(name="engine", status=HealthStatus.DEGRADED, reason=reason),
        HealthCheck(
            name="image",
            status=HealthStatus.DEGRADED,
            reason="not checked: the engine is unreachable",
        ),
    ]


def check_health(
    store_dir: Path,
    sandbox_config: DockerSandboxConfig | LocalSandboxConfig,
    *,
    client_factory: ClientFactory | None = None,
    tail: int = TAIL_RECORDS,
    extra: Sequence[HealthCheck] = (),
) -> HealthReport:
    """Run every check and report the worst. Reads only; a failing check is a value.

    Args:
        store_dir: the node's store.
        sandbox_config: the configured sandbox backend.
        client_factory: engine clients (the configured engine by default).
        tail: how many of the last store records to verify.
        extra: checks made elsewhere to report too (e.g. ``StartupCheck.check()``).
    """
    checks = [check_store(store_dir, tail), *extra]
    checks += check_sandbox(sandbox_config, client_factory=client_factory)
    return health_report(checks)
