"""The sandbox benchmark behind ``evokernel bench sandbox``: figures for docs/benchmarks.md.

One run measures, against the real engine, with the configured image and limits:

1. first-command latency: from asking for a session to the end of its first command
   (``true``), for a warm pool session, for a fresh container per command (create, start,
   wait, remove: ``docker run --rm`` through the SDK, same isolation flags), and for a bare
   host subprocess;
2. the overhead the pool adds above the command's own runtime (paired per sample: pool
   latency minus the same command as a bare host process);
3. full validations of a generated sample repository (a module, a failing test, a fixing diff;
   a real git repository): worktree, path safety, patch, pytest with JUnit, verdict, clean-up.
   Pooled (warm single-use containers, workspace bind-mounted) against naive (a fresh container
   per validation with the workspace copied in), one at a time and with two workers.

Speed figures live here, never in timed test assertions.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evokernel.adapters.bench.stats import percentile
from evokernel.errors import EvoKernelError
from sandbox import (
    DockerSandboxConfig,
    ExecRequest,
    SessionSpec,
    ValidationPlan,
    Validator,
    validate_patch,
)

Progress = Callable[[str], None]

_GIT_PATH = "/usr/local/bin:/usr/bin:/bin"

SAMPLE_FILES = {
    "inventory.py": (
        "def total(items):\n"
        '    """Sum of price * quantity over (price, quantity) pairs."""\n'
        "    return sum(price for price, quantity in items)\n\n\n"
        "def restock(stock, name, amount):\n"
        "    stock[name] = stock.get(name, 0) + amount\n"
        "    return stock\n"
    ),
    "tests/test_inventory.py": (
        "from inventory import restock, total\n\n\n"
        "def test_total_counts_quantity():\n    assert total([(2, 3), (1, 1)]) == 7\n\n\n"
        "def test_total_of_nothing():\n    assert total([]) == 0\n\n\n"
        "def test_restock_new_item():\n    assert restock({}, 'a', 2) == {'a': 2}\n\n\n"
        "def test_restock_existing_item():\n    assert restock({'a': 1}, 'a', 2) == {'a': 3}\n"
    ),
}
"""The sample repository: one bug (``total`` ignores quantity) and four tests."""

SAMPLE_FIX = """\
--- a/inventory.py
+++ b/inventory.py
@@ -1,3 +1,3 @@
 def total(items):
     \"\"\"Sum of price * quantity over (price, quantity) pairs.\"\"\"
-    return sum(price for price, quantity in items)
+    return sum(price * quantity for price, quantity in items)
"""
"""The diff that makes every sample test pass."""


class SandboxBenchResult(BaseModel):
    """What one run of the sandbox benchmark measured."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    samples: int = Field(ge=1)
    """First-command samples per method."""
    validations: int = Field(ge=1)
    """Validations per mode (sequential), and again per mode for the two-worker throughput."""
    workers: int = Field(ge=1)
    """Concurrent validations in the throughput runs."""
    pool_first_cmd_ms_p50: float
    """Median ms from asking a warm pool for a session to the end of its first command."""
    pool_first_cmd_ms_p99: float
    """99th percentile of the same (target: 150 ms)."""
    docker_run_first_cmd_ms_p50: float
    """Median ms for a fresh container per command (create, start, wait, remove)."""
    bare_subprocess_ms_p50: float
    """Median ms for the same command as a host subprocess (no isolation)."""
    overhead_ms_p50: float
    """Median of pool latency minus bare host runtime, paired per sample (target: 100 ms)."""
    pooled_validation_s_p50: float
    """Median seconds for one full validation of the sample repository, warm pool."""
    naive_validation_s_p50: float
    """Median seconds for the same validation with a fresh container and a workspace copy."""
    validations_per_min_pooled: float
    """Validations per minute, pooled, with ``workers`` concurrent validations."""
    validations_per_min_naive: float
    """Validations per minute, naive, with ``workers`` concurrent validations."""
    pooled_speedup: float
    """``validations_per_min_pooled / validations_per_min_naive`` (target: at least 3)."""
    image: str
    """Image the sessions ran in."""


def run_sandbox_bench(
    config: DockerSandboxConfig,
    workdir: Path,
    progress: Progress | None = None,
    *,
    samples: int = 50,
    validations: int = 10,
    workers: int = 2,
) -> SandboxBenchResult:
    """Measure first-command latency and validation throughput; see the module docstring.

    Raises:
        EngineUnavailableError: the engine does not answer.
        EvoKernelError: a sample validation did not pass (the figures would be meaningless).
    """
    from sandbox import DockerSandbox  # loads the Docker SDK

    say = progress or (lambda _message: None)
    repo = make_sample_repo(workdir / "sample-repo")
    pooled_config = config.model_copy(update={"pool_size": workers, "transfer": "auto"})
    naive_config = config.model_copy(update={"pool_size": 0, "transfer": "archive"})

    say(f"first command: {samples} samples each of warm pool, fresh container, host process")
    bare = [
        _time_ms(lambda: subprocess.run(["true"], check=True, timeout=30)) for _ in range(samples)
    ]
    with DockerSandbox(pooled_config) as sandbox:
        pool = _pool_first_command(sandbox, workdir, samples)
    fresh = _fresh_container_first_command(config, samples)

    plan = ValidationPlan.pytest_default()
    with DockerSandbox(pooled_config) as sandbox:
        say(f"pooled validations: {validations} sequential, {validations} with {workers} workers")
        validator = Validator(sandbox, limits=config.limits)
        pooled_s = []
        for _ in range(validations):
            sandbox.wait_until_warm(timeout_s=60)
            pooled_s.append(_validate(repo, plan, validator))
        sandbox.wait_until_warm(timeout_s=60)
        pooled_rate = _throughput(repo, plan, validator, validations, workers)
    with DockerSandbox(naive_config) as sandbox:
        say(f"naive validations: {validations} sequential, {validations} with {workers} workers")
        validator = Validator(sandbox, limits=config.limits)
        naive_s = [_validate(repo, plan, validator) for _ in range(validations)]
        naive_rate = _throughput(repo, plan, validator, validations, workers)

    return SandboxBenchResult(
        samples=samples,
        validations=validations,
        workers=workers,
        pool_first_cmd_ms_p50=_round(statistics.median(pool)),
        pool_first_cmd_ms_p99=_round(percentile(pool, 99)),
        docker_run_first_cmd_ms_p50=_round(statistics.median(fresh)),
        bare_subprocess_ms_p50=_round(statistics.median(bare)),
        overhead_ms_p50=_round(statistics.median(p - b for p, b in zip(pool, bare, strict=True))),
        pooled_validation_s_p50=_round(statistics.median(pooled_s), 3),
        naive_validation_s_p50=_round(statistics.median(naive_s), 3),
        validations_per_min_pooled=_round(pooled_rate),
        validations_per_min_naive=_round(naive_rate),
        pooled_speedup=_round(pooled_rate / naive_rate, 2),
        image=config.image,
    )


def make_sample_repo(root: Path) -> Path:
    """Write the sample repository into ``root`` (replacing it) and commit it with real git."""
    if root.exists():
        shutil.rmtree(root)
    for rel, text in SAMPLE_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {
        "PATH": _GIT_PATH,
        "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "evokernel bench",
        "GIT_AUTHOR_EMAIL": "bench@evokernel.invalid",
        "GIT_COMMITTER_NAME": "evokernel bench",
        "GIT_COMMITTER_EMAIL": "bench@evokernel.invalid",
    }
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "sample"]):
        subprocess.run(
            ["git", *argv], cwd=root, env=env, check=True, capture_output=True, timeout=60
        )
    return root


def _round(value: float, digits: int = 1) -> float:
    return round(value, digits)


def _time_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _pool_first_command(sandbox: Any, workdir: Path, samples: int) -> list[float]:
    """Per sample: wait for a full pool (not timed), then time open + first exec."""
    workspace = workdir / "empty-workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    spec = SessionSpec(workspace=workspace, limits=sandbox.config.limits)
    request = ExecRequest(argv=["true"], timeout_s=30)
    latencies = []
    for _ in range(samples):
        if not sandbox.wait_until_warm(timeout_s=60):
            raise EvoKernelError("the warm pool did not fill within 60 s")
        start = time.perf_counter()
        session = sandbox.open(spec)
        result = session.exec(request)
        latencies.append((time.perf_counter() - start) * 1000)
        session.close()
        if result.exit_code != 0:
            raise EvoKernelError(f"`true` exited {result.exit_code} in a pool session")
    return latencies


def _fresh_container_first_command(config: DockerSandboxConfig, samples: int) -> list[float]:
    """``docker run --rm`` per command through the SDK, with the sandbox's isolation flags."""
    import docker

    limits = config.limits
    client = docker.DockerClient(base_url=config.base_url) if config.base_url else docker.from_env()
    options: dict[str, Any] = {
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {"/tmp": f"size={limits.tmpfs_mb}m"},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        "pids_limit": limits.pids,
        "nano_cpus": int(limits.cpus * 1e9),
        "user": config.user,
        "labels": {"evokernel.bench": "fresh-container"},
    }
    latencies = []
    try:
        for _ in range(samples):
            start = time.perf_counter()
            container = client.containers.create(config.image, ["true"], **options)
            try:
                container.start()
                code = container.wait(timeout=60)["StatusCode"]
            finally:
                container.remove(force=True)
            latencies.append((time.perf_counter() - start) * 1000)
            if code != 0:
                raise EvoKernelError(f"`true` exited {code} in a fresh container")
    finally:
        client.close()
    return latencies


def _validate(repo: Path, plan: ValidationPlan, validator: Validator) -> float:
    """One full validation of the sample fix; seconds. Raises if it does not pass."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evokernel-bench-wt-") as root:
        receipt = validate_patch(
            repo, "HEAD", SAMPLE_FIX, plan, validator, workspace_root=Path(root)
        )
    elapsed = time.perf_counter() - start
    if not receipt.passed:
        raise EvoKernelError(f"sample validation did not pass: {receipt.reason}")
    return elapsed


def _throughput(
    repo: Path, plan: ValidationPlan, validator: Validator, validations: int, workers: int
) -> float:
    """Validations per minute with ``workers`` running at once."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="evokernel-bench") as pool:
        list(pool.map(lambda _i: _validate(repo, plan, validator), range(validations)))
    return validations / (time.perf_counter() - start) * 60
