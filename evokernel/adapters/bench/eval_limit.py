"""The limit ``evokernel bench eval`` compares batch evaluation with: the same test commands
(same image, interpreter, pytest, JUnit option and CPU quota) run back to back on checkouts
prepared beforehand, inside one long-lived container per worker, with the same parallelism and
no per-validation isolation."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from evokernel.application.eval.instances import load_instances, load_predictions
from evokernel.application.eval.job import plan_for
from sandbox import DockerSandboxConfig, apply_patch


def prepared_checkouts(
    instances: Path, predictions: Path, root: Path
) -> list[tuple[Path, list[str]]]:
    """One patched checkout per prediction (untimed), with the plan's test command."""
    by_id = {i.instance_id: i for i in load_instances(instances)}
    prepared = []
    for number, prediction in enumerate(load_predictions(predictions)):
        instance = by_id[prediction.instance_id]
        checkout = root / f"c{number}"
        subprocess.run(
            ["git", "worktree", "add", "--quiet", "--detach", str(checkout), instance.base_commit],
            cwd=instance.repo,
            check=True,
            capture_output=True,
            timeout=60,
        )
        apply_patch(checkout, prediction.model_patch or "")
        command = list(plan_for(instance, 1800).stages[0].command)
        prepared.append((checkout, command))
    root.chmod(0o777)
    for path in root.rglob("*"):
        path.chmod(0o777)
    return prepared


def limit_wall(
    docker: DockerSandboxConfig,
    instances: Path,
    predictions: Path,
    root: Path,
    workers: int,
    cpus: float,
) -> float:
    import docker as docker_sdk

    root.mkdir(parents=True, exist_ok=True)
    prepared = prepared_checkouts(instances, predictions, root)
    client = docker_sdk.from_env(timeout=120)
    containers = [
        client.containers.run(
            docker.image,
            ["sleep", "infinity"],
            detach=True,
            remove=True,
            network_mode="none",
            user=docker.user,
            nano_cpus=int(cpus * 1e9),
            mem_limit=f"{docker.limits.memory_mb}m",
            volumes={str(root): {"bind": "/work", "mode": "rw"}},
            labels={"evokernel.bench": "limit"},
        )
        for _ in range(workers)
    ]
    try:
        shares = [prepared[w::workers] for w in range(workers)]

        def run_share(index: int) -> None:
            for checkout, command in shares[index]:
                junit = f"/tmp/{checkout.name}.xml"
                argv = [*command, f"--junitxml={junit}", "-o", "junit_family=xunit1"]
                containers[index].exec_run(argv, workdir=f"/work/{checkout.name}")

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run_share, range(workers)))
        return time.perf_counter() - started
    finally:
        for container in containers:
            container.kill()
        client.close()
