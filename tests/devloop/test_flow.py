"""run_devloop end to end: real repositories, the real Docker sandbox, a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel import (
    ApprovalDecision,
    BranchNameError,
    DevloopResult,
    DevloopStatus,
    DirtyTreeError,
    EvoConfig,
    FixedApprover,
    ReasonCode,
    ScriptedAgent,
    ScriptedRule,
    run_devloop,
    show_asset,
)
from evokernel.adapters.devloop import Approval, ChangeOrigin, Review, TestTransition
from evokernel.domain.policy import PolicyLimit
from tests.conftest import GitRepoFactory
from tests.devloop.conftest import (
    FAILING_TEST,
    Shop,
    evo_branches,
    git,
    repo_state,
    store_kinds,
    trailers,
)

APPROVE = FixedApprover(ApprovalDecision.APPROVE, approver="robin", note="ship it")
REJECT = FixedApprover(ApprovalDecision.REJECT, approver="robin", note="not like this")


def test_approved_change_is_committed_on_its_own_branch_with_trailers(
    config: EvoConfig, shop: Shop
) -> None:
    before = repo_state(shop.path)

    result = run_devloop(
        config, shop.path, approver=APPROVE, agent=shop.agent(), store_dir=shop.store
    )

    assert result.status is DevloopStatus.APPROVED and result.ok
    assert result.branch == "evo/fix-test-total-with-discount"
    assert git(shop.path, "rev-parse", f"{result.branch}^") == result.base_rev
    assert trailers(shop.path, result.branch) == {
        "Evo-Run": result.run_id,
        "Evo-Capsule": result.capsule_id,
    }
    assert git(shop.path, "diff", "--stat", result.base_rev, result.branch).startswith(
        "shop/cart.py"
    )
    # The user's branch, index, working tree and worktrees are as they were.
    after = repo_state(shop.path)
    assert after["refs"] != before["refs"]
    assert {k: v for k, v in after.items() if k != "refs"} == {
        k: v for k, v in before.items() if k != "refs"
    }
    review = result.review
    assert review is not None and review.origin is ChangeOrigin.AGENT
    assert (review.tests[0].test, review.tests[0].transition) == (
        FAILING_TEST,
        TestTransition.FAIL_TO_PASS,
    )
    assert review.blast_radius is not None and review.blast_radius.files == ["shop/cart.py"]
    assert result.agent_calls == 1
    kinds = store_kinds(shop.store)
    assert kinds.index("approval_recorded") < kinds.index("delivery_updated")


def test_rejection_records_the_verdict_lowers_confidence_and_commits_nothing(
    config: EvoConfig, shop: Shop
) -> None:
    before = repo_state(shop.path)

    result = run_devloop(
        config,
        shop.path,
        approver=REJECT,
        agent=shop.agent(),
        store_dir=shop.store,
        task_text="Fix the cart discount",
    )

    assert result.status is DevloopStatus.REJECTED and not result.ok
    assert result.reason_code is ReasonCode.REJECTED_BY_HUMAN
    assert result.commit is None and result.branch is None
    assert repo_state(shop.path) == before
    assert result.capsule_id is not None and result.confidence_at_review is not None
    asset = show_asset(shop.store, result.capsule_id)
    assert asset.confidence is not None and asset.confidence < result.confidence_at_review
    assert asset.evidence[-1] == "human_rejected"
    assert "delivery_updated" not in store_kinds(shop.store)


def test_replayed_change_carries_the_replay_trailer(config: EvoConfig, shop: Shop) -> None:
    first = run_devloop(
        config, shop.path, approver=APPROVE, agent=shop.agent(), store_dir=shop.store
    )
    git(shop.path, "branch", "-D", first.branch or "")

    # No agent: only stored capsules may solve it.
    second = run_devloop(config, shop.path, approver=APPROVE, store_dir=shop.store)

    assert second.status is DevloopStatus.APPROVED
    assert second.agent_calls == 0 and second.original_run_id == first.run_id
    assert trailers(shop.path, second.branch or "") == {
        "Evo-Run": second.run_id,
        "Evo-Capsule": first.capsule_id,
        "Evo-Replay-Run": second.run_id,
        "Evo-Origin-Run": first.run_id,
    }


def test_without_an_agent_a_replay_miss_fails_and_says_why(config: EvoConfig, shop: Shop) -> None:
    result = run_devloop(config, shop.path, approver=APPROVE, store_dir=shop.store)

    assert result.status is DevloopStatus.FAILED
    assert result.reason_code is ReasonCode.NO_CANDIDATES
    assert "--agent" in result.detail
    assert evo_branches(shop.path) == []


def test_policy_violation_names_the_limit_and_asks_nobody(config: EvoConfig, shop: Shop) -> None:
    policy = config.policy.model_copy(update={"max_changed_lines": 1})
    strict = config.model_copy(update={"policy": policy})
    asked: list[str] = []

    class Recording(FixedApprover):
        def decide(self, review: Review) -> Approval:
            asked.append(review.run_id)
            return super().decide(review)

    result = run_devloop(
        strict,
        shop.path,
        approver=Recording(ApprovalDecision.APPROVE),
        agent=shop.agent(),
        max_attempts=1,
        store_dir=shop.store,
    )

    assert result.status is DevloopStatus.REJECTED_BY_POLICY
    assert result.reason_code is ReasonCode.REJECTED_BY_POLICY
    assert result.limit is PolicyLimit.MAX_CHANGED_LINES
    assert "limit is 1" in result.detail
    assert asked == [] and evo_branches(shop.path) == []


def test_default_policy_lets_an_ordinary_small_fix_through() -> None:
    scope = EvoConfig().policy.scope()
    assert scope.allowed_paths == ["**"] and scope.forbidden_paths == []
    assert scope.max_files >= 10 and scope.max_changed_lines >= 200


def test_nothing_failing_and_no_task_detects_nothing(
    config: EvoConfig, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"calc.py": "X = 1\n", "tests/test_calc.py": TEST_OK}, name="green")

    result = run_devloop(config, repo, approver=APPROVE, store_dir=tmp_path / "store")

    assert result.status is DevloopStatus.DETECTED_NOTHING and result.ok
    assert result.reason_code is ReasonCode.NOTHING_TO_FIX
    assert "1 tests pass" in result.detail


TEST_OK = "from calc import X\n\n\ndef test_x():\n    assert X == 1\n"
GREETING_DIFF = """\
diff --git a/greet.py b/greet.py
new file mode 100644
--- /dev/null
+++ b/greet.py
@@ -0,0 +1,2 @@
+def greet(name):
+    return f"hello {name}"
diff --git a/tests/test_greet.py b/tests/test_greet.py
new file mode 100644
--- /dev/null
+++ b/tests/test_greet.py
@@ -0,0 +1,5 @@
+from greet import greet
+
+
+def test_greet():
+    assert greet("ada") == "hello ada"
"""


def _add_a_greeting(config: EvoConfig, repo: Path, tmp_path: Path) -> DevloopResult:
    """The devloop on the task "Add a greeting", the agent answering with ``GREETING_DIFF``."""
    rule = ScriptedRule(signals_include=["task:add-a-greeting"], diff=GREETING_DIFF)
    return run_devloop(
        config,
        repo,
        approver=APPROVE,
        agent=ScriptedAgent.from_rules([rule]),
        task_text="Add a greeting",
        store_dir=tmp_path / "store",
    )


def test_a_task_on_a_green_tree_is_keyed_by_the_task(
    config: EvoConfig, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    """A feature with its new test: the project admits new tests, which are proven apart."""
    repo = git_repo({"calc.py": "X = 1\n", "tests/test_calc.py": TEST_OK}, name="green")
    guard = config.guard.model_copy(update={"allow_new_regression_tests": True})

    result = _add_a_greeting(config.model_copy(update={"guard": guard}), repo, tmp_path)

    assert result.status is DevloopStatus.APPROVED, result.detail
    assert result.branch == "evo/add-a-greeting"
    assert result.review is not None
    # The judged run never sees the proposal's own tests (they were proven apart).
    assert {v.test: v.transition for v in result.review.tests} == {
        "tests/test_calc.py::test_x": TestTransition.PASS_TO_PASS,
    }


def test_a_new_test_is_refused_by_default(
    config: EvoConfig, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"calc.py": "X = 1\n", "tests/test_calc.py": TEST_OK}, name="green")
    result = _add_a_greeting(config, repo, tmp_path)

    assert result.reason_code is ReasonCode.TEST_EDITS_REFUSED, result.detail
    assert evo_branches(repo) == []


def test_dirty_tree_is_refused_before_anything_runs(shop: Shop) -> None:
    (shop.path / "shop" / "cart.py").write_text("# local edit\n")
    before = repo_state(shop.path)

    with pytest.raises(DirtyTreeError) as caught:
        run_devloop(EvoConfig(), shop.path, approver=APPROVE, store_dir=shop.store)

    assert caught.value.paths == ["shop/cart.py"]
    assert repo_state(shop.path) == before
    assert not shop.store.exists()


def test_allow_dirty_works_from_head_and_leaves_local_changes_alone(
    config: EvoConfig, shop: Shop
) -> None:
    (shop.path / "shop" / "cart.py").write_text("# my local experiment\n")
    (shop.path / "notes.txt").write_text("todo\n")
    status = git(shop.path, "status", "--porcelain")

    result = run_devloop(
        config,
        shop.path,
        approver=APPROVE,
        agent=shop.agent(),
        allow_dirty=True,
        store_dir=shop.store,
    )

    assert result.status is DevloopStatus.APPROVED
    assert git(shop.path, "status", "--porcelain") == status
    assert (shop.path / "shop" / "cart.py").read_text() == "# my local experiment\n"
    assert git(shop.path, "rev-parse", f"{result.branch}^") == result.base_rev


def test_the_checked_out_branch_is_refused_before_anything_runs(shop: Shop) -> None:
    with pytest.raises(BranchNameError, match="checked out"):
        run_devloop(EvoConfig(), shop.path, approver=APPROVE, branch="main", store_dir=shop.store)
    assert not shop.store.exists()
