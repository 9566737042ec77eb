"""Ctrl-C or a crash at any step leaves the repository as it was and the store consistent.

Each test records the repository's refs, HEAD, status, worktrees and lock files, cuts a real
run short at one point, and checks that all of it is unchanged and the store verifies.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from evokernel import (
    ApprovalDecision,
    DevloopStep,
    EvoConfig,
    FixedApprover,
    run_devloop,
)
from evokernel.adapters.devloop import Approval, Approver, Review
from tests.devloop.conftest import Shop, repo_state, store_kinds, store_ok

APPROVE = FixedApprover(ApprovalDecision.APPROVE, approver="robin")


def run_on_the_shop(
    config: EvoConfig,
    shop: Shop,
    approver: Approver = APPROVE,
    progress: Callable[[DevloopStep, str], None] | None = None,
) -> None:
    """One devloop run on the shop with its scripted agent and store."""
    run_devloop(
        config,
        shop.path,
        approver=approver,
        agent=shop.agent(),
        store_dir=shop.store,
        progress=progress,
    )


def assert_left_as_it_was(shop: Shop, before: dict[str, object]) -> None:
    assert repo_state(shop.path) == before
    assert not shop.store.exists() or store_ok(shop.store)


# At REVIEW the approver itself is interrupted: test_ctrl_c_at_the_approval_records_nothing.
@pytest.mark.parametrize("step", [s for s in DevloopStep if s is not DevloopStep.REVIEW])
def test_ctrl_c_at_each_step_leaves_the_repository_as_it_was(
    config: EvoConfig, shop: Shop, step: DevloopStep
) -> None:
    before = repo_state(shop.path)

    def progress(at: DevloopStep, message: str) -> None:
        if at is step:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_on_the_shop(config, shop, progress=progress)

    assert_left_as_it_was(shop, before)
    kinds = store_kinds(shop.store) if shop.store.exists() else []
    # The verdict is recorded before landing (a fact even if landing never happens); a
    # delivery is recorded only once the commit exists.
    assert ("approval_recorded" in kinds) is (step is DevloopStep.LAND)
    assert "delivery_updated" not in kinds


class InterruptedApprover(Approver):
    """A person pressing Ctrl-C while looking at the change."""

    def decide(self, review: Review) -> Approval:
        raise KeyboardInterrupt


def test_ctrl_c_at_the_approval_records_nothing(config: EvoConfig, shop: Shop) -> None:
    before = repo_state(shop.path)

    with pytest.raises(KeyboardInterrupt):
        run_on_the_shop(config, shop, InterruptedApprover())

    assert_left_as_it_was(shop, before)
    kinds = store_kinds(shop.store)
    assert "capsule_committed" in kinds and "approval_recorded" not in kinds


def test_a_crash_before_landing_leaves_the_repository_as_it_was(
    config: EvoConfig, shop: Shop
) -> None:
    before = repo_state(shop.path)

    def progress(at: DevloopStep, message: str) -> None:
        if at is DevloopStep.LAND:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        run_on_the_shop(config, shop, progress=progress)

    assert_left_as_it_was(shop, before)


def interrupt_hook(repo: Path, ref: str, marker: Path) -> None:
    """A ``reference-transaction`` hook that sends this process SIGINT once, right after git
    commits an update of ``ref``: a real Ctrl-C in the middle of landing."""
    hook = repo / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\n"
        '[ "$1" = committed ] || exit 0\n'
        f"grep -q ' {ref}$' || exit 0\n"
        f'[ -e "{marker}" ] && exit 0\n'
        f'touch "{marker}"\n'
        f"kill -INT {os.getpid()}\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    "ref",
    ["HEAD", "refs/heads/evo/fix-test-total-with-discount"],
    ids=["commit-in-landing-worktree", "branch-ref-written"],
)
def test_ctrl_c_inside_the_landing_leaves_no_branch_or_worktree(
    config: EvoConfig, shop: Shop, tmp_path: Path, ref: str
) -> None:
    marker = tmp_path / "interrupted"
    interrupt_hook(shop.path, ref, marker)
    before = repo_state(shop.path)

    with pytest.raises(KeyboardInterrupt):
        run_on_the_shop(config, shop)

    assert marker.exists(), "the hook never fired: the landing did not reach " + ref
    assert_left_as_it_was(shop, before)
