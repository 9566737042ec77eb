"""``CpuMeter`` (behind ``bench eval``'s engine CPU figures) sees what a container costs the
engine, and the runner's own work, on the real engine."""

from __future__ import annotations

from typing import Any

import pytest

from evokernel.adapters.bench.eval_cpu import CpuMeter

pytestmark = pytest.mark.docker

IMAGE = "evokernel/sandbox-python:0.1.0"


def test_a_container_lifecycle_costs_the_engine_cpu(docker_engine: Any) -> None:
    with CpuMeter() as meter:
        container = docker_engine.containers.create(IMAGE, ["true"], network_mode="none")
        try:
            container.start()
            assert container.wait(timeout=120)["StatusCode"] == 0
        finally:
            container.remove(force=True)
    assert meter.engine_s > 0


def test_the_runners_own_work_is_counted_and_nothing_before_it(docker_engine: Any) -> None:
    with CpuMeter() as idle:
        pass
    with CpuMeter() as busy:
        sum(i * i for i in range(2_000_000))
    assert idle.runner_s < busy.runner_s
    assert busy.runner_s > 0
