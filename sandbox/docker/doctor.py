"""``run_doctor``: is this machine ready to validate patches, and if not, why not?

Each check is real: the engine is asked for its version, the image is inspected, and the
limits are read back from the cgroup files inside a container started exactly as validations
start theirs (the Docker backend's own session, with the configured limits; starting that
backend also reaps containers left by dead runners, as every backend start does). The report
says ok / degraded / failing overall and gives a reason for every check.
"""

from __future__ import annotations

import contextlib
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sandbox.base import Sandbox
from sandbox.config import DockerSandboxConfig, LocalSandboxConfig
from sandbox.docker.client import ClientFactory, docker_client_factory, inspect_image
from sandbox.errors import SandboxError
from sandbox.models import ExecRequest, SessionSpec

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

Detail = str | int | float | bool | None

# Prints key=value lines for cgroup v2 (unified) or v1 (one hierarchy per controller).
_CGROUP_SCRIPT = r"""
r() { cat "$1" 2>/dev/null || echo missing; }
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  echo cgroup=2
  echo memory=$(r /sys/fs/cgroup/memory.max)
  echo swap=$(r /sys/fs/cgroup/memory.swap.max)
  echo pids=$(r /sys/fs/cgroup/pids.max)
  echo cpu=$(r /sys/fs/cgroup/cpu.max)
else
  echo cgroup=1
  echo memory=$(r /sys/fs/cgroup/memory/memory.limit_in_bytes)
  echo memsw=$(r /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes)
  echo pids=$(r /sys/fs/cgroup/pids/pids.max)
  echo cpu="$(r /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(r /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
fi
"""


class CheckStatus(StrEnum):
    """Outcome of one check, and of the whole report."""

    OK = "ok"
    """Works as required."""
    DEGRADED = "degraded"
    """Validations run, but with less isolation or speed than configured."""
    FAILING = "failing"
    """Validations cannot run."""
    SKIPPED = "skipped"
    """Not checked (a check it depends on failed, or nothing to check); never counts."""


class DoctorCheck(BaseModel):
    """One check and why it came out as it did."""

    model_config = _MODEL_CONFIG

    name: str
    """Check name: ``backend``, ``engine``, ``image``, ``limit.memory``, ``limit.pids``,
    ``limit.cpu``, ``pool``."""
    status: CheckStatus
    """Outcome."""
    reason: str
    """Why, in one line."""
    details: dict[str, Detail] = Field(default_factory=dict)
    """What was measured (versions, ids, values read back)."""


class DoctorReport(BaseModel):
    """Every check, and the worst of them."""

    model_config = _MODEL_CONFIG

    status: CheckStatus
    """``failing`` if any check fails, else ``degraded`` if any is degraded, else ``ok``."""
    backend: str
    """The configured backend kind (``docker`` or ``local``)."""
    image: str | None = None
    """The configured image (Docker backend)."""
    checks: list[DoctorCheck]
    """Checks in the order they ran."""

    def check(self, name: str) -> DoctorCheck:
        """The check called ``name``.

        Raises:
            KeyError: no check has that name.
        """
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)


def run_doctor(
    config: DockerSandboxConfig | LocalSandboxConfig,
    sandbox: Sandbox | None = None,
    *,
    client_factory: ClientFactory | None = None,
) -> DoctorReport:
    """Check the engine, the image, the limits and (when ``sandbox`` is given) its pool.

    Args:
        config: the sandbox configuration to check.
        sandbox: a running backend whose warm pool should be reported.
        client_factory: engine clients (``docker_client_factory(config.base_url)`` by default).

    Returns:
        The report; a failing check is a value in it, never an exception.
    """
    if isinstance(config, LocalSandboxConfig):
        return _report(
            "local",
            None,
            [
                DoctorCheck(
                    name="backend",
                    status=CheckStatus.DEGRADED,
                    reason="the local backend runs commands as host processes: it does not "
                    "isolate (use the Docker backend wherever an engine exists)",
                    details={"unshare_network": config.unshare_network},
                )
            ],
        )
    factory = client_factory or docker_client_factory(config.base_url)
    checks: list[DoctorCheck] = []
    try:
        client = factory(config.engine_timeout_s)
    except SandboxError as exc:
        checks.append(DoctorCheck(name="engine", status=CheckStatus.FAILING, reason=str(exc)))
        skipped = "not checked: the engine is unreachable"
        for name in ("image", "limit.memory", "limit.pids", "limit.cpu"):
            checks.append(DoctorCheck(name=name, status=CheckStatus.SKIPPED, reason=skipped))
        checks.append(_pool_check(config, sandbox))
        return _report("docker", config.image, checks)
    with contextlib.closing(client):
        info = _engine_check(client, checks)
        image_present = _image_check(client, config.image, checks)
        if info is not None:
            checks += _limit_checks(client, config, info, probe=image_present)
        checks.append(_pool_check(config, sandbox))
    return _report("docker", config.image, checks)


def _report(backend: str, image: str | None, checks: list[DoctorCheck]) -> DoctorReport:
    statuses = {check.status for check in checks}
    overall = CheckStatus.OK
    if CheckStatus.FAILING in statuses:
        overall = CheckStatus.FAILING
    elif CheckStatus.DEGRADED in statuses:
        overall = CheckStatus.DEGRADED
    return DoctorReport(status=overall, backend=backend, image=image, checks=checks)


def _engine_check(client: Any, checks: list[DoctorCheck]) -> dict[str, Any] | None:
    """Append the engine check; return the engine's info document when it answered."""
    from sandbox.docker.sdkerrors import engine_errors

    try:
        with engine_errors("engine info"):
            version = client.version()
            info: dict[str, Any] = client.info()
    except SandboxError as exc:
        checks.append(
            DoctorCheck(
                name="engine", status=CheckStatus.FAILING, reason=f"engine did not answer: {exc}"
            )
        )
        return None
    checks.append(
        DoctorCheck(
            name="engine",
            status=CheckStatus.OK,
            reason=f"Docker {version.get('Version', '?')} answers",
            details={
                "version": version.get("Version"),
                "api_version": version.get("ApiVersion"),
                "os": info.get("OperatingSystem"),
                "cgroup_version": info.get("CgroupVersion"),
                "cgroup_driver": info.get("CgroupDriver"),
                "cpus": info.get("NCPU"),
                "memory_bytes": info.get("MemTotal"),
            },
        )
    )
    return info


def _image_check(client: Any, image: str, checks: list[DoctorCheck]) -> bool:
    try:
        found = inspect_image(client, image)
    except SandboxError as exc:
        checks.append(DoctorCheck(name="image", status=CheckStatus.FAILING, reason=str(exc)))
        return False
    if found is None:
        checks.append(
            DoctorCheck(
                name="image",
                status=CheckStatus.FAILING,
                reason=f"image {image} is not present; run `evokernel sandbox build-image`",
            )
        )
        return False
    digests = list(found.get("RepoDigests") or [])
    checks.append(
        DoctorCheck(
            name="image",
            status=CheckStatus.OK,
            reason=f"image {image} is present",
            details={
                "id": found.get("Id"),
                "digest": digests[0] if digests else None,
                "created": found.get("Created"),
                "size_bytes": found.get("Size"),
                "user": (found.get("Config") or {}).get("User"),
            },
        )
    )
    return True


def _limit_checks(
    client: Any, config: DockerSandboxConfig, info: dict[str, Any], *, probe: bool
) -> list[DoctorCheck]:
    """Memory, pids and CPU: what the engine claims, then what a real session reads back."""
    limits = config.limits
    claims = {
        "limit.memory": bool(info.get("MemoryLimit")) and bool(info.get("SwapLimit")),
        "limit.pids": bool(info.get("PidsLimit")),
        "limit.cpu": bool(info.get("CpuCfsQuota")) and bool(info.get("CpuCfsPeriod")),
    }
    read: dict[str, str] = {}
    probe_error = "" if probe else "not read back: the image is absent"
    session_error = ""
    if probe:
        try:
            read = _read_cgroup_limits(client, config)
        except SandboxError as exc:
            session_error = f"a session with these limits could not start: {exc}"
    expected = {
        "limit.memory": str(limits.memory_mb * 1024 * 1024),
        "limit.pids": str(limits.pids),
        "limit.cpu": f"{limits.cpus:g}",
    }
    actual = {name: _actual(name, read) for name in expected}
    checks = []
    for name, wanted in expected.items():
        details: dict[str, Detail] = {"expected": wanted, "engine_supports": claims[name]}
        if session_error:
            status, reason = CheckStatus.FAILING, session_error
        elif not claims[name]:
            status, reason = CheckStatus.DEGRADED, "the engine reports no support for this limit"
        elif probe_error:
            status, reason = CheckStatus.OK, f"the engine reports support; {probe_error}"
        elif actual[name] == wanted:
            status, reason = CheckStatus.OK, f"read back {wanted} inside a session"
            details["cgroup_version"] = read.get("cgroup")
        else:
            status = CheckStatus.DEGRADED
            reason = f"configured {wanted}, but a session reads back {actual[name]}"
        details["read_back"] = actual[name] if read else None
        checks.append(DoctorCheck(name=name, status=status, reason=reason, details=details))
    return checks


def _actual(name: str, read: dict[str, str]) -> str:
    """Normalise a value read from cgroup files to the form of the configured limit."""
    if name == "limit.memory":
        memory = read.get("memory", "missing")
        # Swap equal to memory means no swap on top: v1 memsw equals memory, v2 swap.max is 0.
        if read.get("cgroup") == "2":
            swap_capped = read.get("swap") in ("0", "missing")
        else:
            swap_capped = read.get("memsw") == memory
        return memory if swap_capped else f"{memory} (swap not capped)"
    if name == "limit.pids":
        return read.get("pids", "missing")
    quota, _, period = read.get("cpu", "").replace("max", "-1").partition(" ")
    try:
        cores = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return read.get("cpu", "missing")
    return "unlimited" if cores < 0 else f"{cores:g}"


def _read_cgroup_limits(client: Any, config: DockerSandboxConfig) -> dict[str, str]:
    """Start one session the way validations do and read its cgroup limits."""
    from sandbox.docker.backend import DockerSandbox

    with (
        tempfile.TemporaryDirectory(prefix="evokernel-doctor-") as workspace,
        DockerSandbox(config.model_copy(update={"pool_size": 0}), client=client) as backend,
        backend.open(SessionSpec(workspace=Path(workspace), limits=config.limits)) as session,
    ):
        result = session.exec(ExecRequest(argv=["sh", "-c", _CGROUP_SCRIPT], timeout_s=30))
    if result.exit_code != 0:
        raise SandboxError(f"cgroup probe exited with {result.exit_code}: {result.stderr[-400:]}")
    pairs = (line.partition("=") for line in result.stdout.splitlines())
    return {key.strip(): value.strip() for key, sep, value in pairs if sep}


def _pool_check(config: DockerSandboxConfig, sandbox: Sandbox | None) -> DoctorCheck:
    status_of = getattr(sandbox, "pool_status", None)
    if sandbox is None or status_of is None:
        return DoctorCheck(
            name="pool",
            status=CheckStatus.SKIPPED,
            reason="no running sandbox given; warm pools live inside a running runner",
            details={"pool_size": config.pool_size},
        )
    idle: dict[str, int] = status_of()
    details: dict[str, Detail] = {f"idle[{image}]": count for image, count in idle.items()}
    details["pool_size"] = config.pool_size
    if config.pool_size > 0 and sum(idle.values()) == 0:
        return DoctorCheck(
            name="pool",
            status=CheckStatus.DEGRADED,
            reason="no warm container is ready: sessions start cold",
            details=details,
        )
    return DoctorCheck(
        name="pool",
        status=CheckStatus.OK,
        reason=f"{sum(idle.values())} warm container(s) ready",
        details=details,
    )
