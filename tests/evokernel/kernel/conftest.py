"""Kernel fixtures: the real Docker sandbox (one per session), real stores, real repositories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evokernel.application.kernel import EvoKernel, KernelSettings
from evokernel.demo.repos import SampleRepo, build_shop
from evokernel.domain.models import AgentTask
from sandbox import DockerSandboxConfig, Sandbox, Validator, make_sandbox
from store import EventLog

TEST_EDIT = (
    "diff --git a/tests/test_cart.py b/tests/test_cart.py\n"
    "--- a/tests/test_cart.py\n+++ b/tests/test_cart.py\n"
    "@@ -6,4 +6,4 @@ def test_total_without_discount():\n \n \n"
    " def test_total_with_discount():\n"
    "-    assert total([10.0, 10.0], discount=0.25) == 15.0\n"
    "+    assert total([10.0, 10.0], discount=0.25) == 19.75\n"
)
"""A proposal that makes the shop's failing test pass by editing what it expects."""


@pytest.fixture(scope="session")
def docker_sandbox(docker_engine: object) -> Iterator[Sandbox]:
    """One Docker sandbox (with its warm pool) for the whole session."""
    with make_sandbox(DockerSandboxConfig()) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def validator(docker_sandbox: Sandbox) -> Validator:
    return Validator(docker_sandbox)


@pytest.fixture
def shop(tmp_path: Path) -> SampleRepo:
    """The capture/replay sample repository (cart bug, moved cart bug, slug bug)."""
    return build_shop(tmp_path / "shop")


@pytest.fixture
def event_log(tmp_path: Path) -> Iterator[EventLog]:
    with EventLog.open(tmp_path / "store") as log:
        yield log


@pytest.fixture
def make_kernel(event_log: EventLog, validator: Validator, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``make_kernel(settings=None)`` -> an EvoKernel over the test's store."""

    def make(settings: KernelSettings | None = None) -> EvoKernel:
        return EvoKernel(event_log, validator, settings=settings, workspace_root=tmp_path / "ws")

    return make


def shop_task(shop: SampleRepo, rev: str, task_id: str | None = None) -> AgentTask:
    """A task on the shop repository at one of its named revisions."""
    return AgentTask(
        task_id=task_id or f"task-{rev}",
        repo_path=str(shop.path),
        repo_identity="shop",
        base_rev=shop.revs[rev],
        description=f"fix {rev}",
    )


def kinds(log: EventLog) -> list[str]:
    """The kinds of every record in the log, in order."""
    return [record.kind for record in log.scan()]
