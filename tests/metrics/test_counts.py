"""Metric values against a known sequence of tasks run through the real kernel and sandbox.

The sequence, on the sample shop repository:

1. cart bug, ``solve``: no capsule yet (a lookup, nothing validated), the agent's fix captured;
2. a stricter cart test with the same signature, ``replay_or_fallback``: the capsule applies,
   is validated, and fails (a replay validation without a hit; no agent);
3. the cart bug in moved code, ``solve``: replay validates the capsule and reuses it;
4. the slug bug, ``solve``: a lookup without candidates, then the agent's fix captured;
5. a reviewer rejects the reuse of step 3 (a false replay).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from evokernel import (
    AgentTask,
    ApprovalDecision,
    ApprovalSource,
    EvoConfig,
    ScriptedAgent,
    ScriptedRule,
    open_runtime,
    task_for_repo,
)
from evokernel.application.metrics import (
    MetricsSnapshot,
    metrics_registry,
    read_metrics,
    render_metrics,
)
from evokernel.demo.repos import build_shop, commit, git
from evokernel.domain.models import AssetState
from store import EventLog

pytestmark = pytest.mark.docker


@dataclass
class Driven:
    store_dir: Path
    snapshot: MetricsSnapshot
    """Taken inside the runtime, with its sandbox latency."""
    head_seq: int


@pytest.fixture(scope="module")
def driven(tmp_path_factory: pytest.TempPathFactory, docker_engine: object) -> Driven:
    root = tmp_path_factory.mktemp("metrics-counts")
    shop = build_shop(root / "shop")
    git(shop.path, "checkout", "-q", "-b", "stricter", shop.revs["cart_bug"])
    tests = (shop.path / "tests/test_cart.py").read_text().replace("== 15.0", "== 14.0")
    stricter = commit(shop.path, {"tests/test_cart.py": tests}, "stricter discount test")
    git(shop.path, "checkout", "-q", "main")
    agent = ScriptedAgent.from_rules(
        [
            ScriptedRule(
                signals_include=["test-failed:tests/test_cart.py::test_total_with_discount"],
                diff=shop.fixes["cart"],
            ),
            ScriptedRule(
                signals_include=["test-failed:tests/test_slug.py::test_slugify_lowercases"],
                diff=shop.fixes["slug"],
            ),
        ]
    )
    config = EvoConfig()
    store_dir = root / "store"
    with open_runtime(config, store_dir) as runtime:
        kernel = runtime.kernel

        def task(rev: str) -> AgentTask:
            return task_for_repo(shop.path, config, "fix it", base_rev=rev)

        assert kernel.solve(task(shop.revs["cart_bug"]), agent).outcome.value == "captured"
        assert not kernel.replay_or_fallback(task(stricter)).hit
        moved = kernel.solve(task(shop.revs["cart_bug_moved"]), agent)
        assert moved.outcome.value == "replayed"
        assert kernel.solve(task(shop.revs["slug_bug"]), agent).outcome.value == "captured"
        kernel.record_approval(
            run_id=moved.run_id,
            capsule_id=moved.capsule_id,
            approver="reviewer",
            decision=ApprovalDecision.REJECT,
            source=ApprovalSource.DEVLOOP,
        )
        snapshot = read_metrics(store_dir, runtime.latency)
    with EventLog.open_readonly(store_dir) as log:
        head = log.head()
    assert head is not None
    return Driven(store_dir=store_dir, snapshot=snapshot, head_seq=head.seq)


def test_lookups_validations_and_hits_are_counted_apart(driven: Driven) -> None:
    snapshot = driven.snapshot

    # Four lookups; two reached a validation (steps 2 and 3); one of them was a hit.
    assert snapshot.tasks == 4
    assert snapshot.replay_lookups == 4
    assert snapshot.replay_attempts == 2
    assert snapshot.replay_validations == 2
    assert snapshot.replay_hits == 1


def test_agent_calls_made_and_avoided(driven: Driven) -> None:
    snapshot = driven.snapshot

    assert snapshot.agent_calls == 2
    assert snapshot.agent_calls_avoided == 1
    assert snapshot.false_replays == 1
    assert snapshot.ledger_balance == {"local": 1.0}  # one saving, no remote publisher


def test_assets_by_state(driven: Driven) -> None:
    capsules, genes = driven.snapshot.capsules, driven.snapshot.genes

    assert sum(capsules.values()) == 2 and sum(genes.values()) == 2
    assert capsules[AssetState.REVOKED] == capsules[AssetState.ARCHIVED] == 0
    assert driven.snapshot.revocations == 0


def test_sandbox_latency_counts_every_session_and_command(driven: Driven) -> None:
    latency = driven.snapshot.latency

    # Sessions: 4 baselines + 2 patched validations (captures) + 2 replays; one stage each.
    assert latency is not None
    assert latency.start.count == 8
    assert latency.run.count == 8


def test_the_store_figures_do_not_depend_on_the_process(driven: Driven) -> None:
    again = read_metrics(driven.store_dir)  # another reader, no latency measured here

    assert again.store_last_seq == driven.head_seq
    assert again.model_dump(exclude={"latency"}) == driven.snapshot.model_dump(exclude={"latency"})
    exposed = {
        sample.name: sample.value
        for family in text_string_to_metric_families(
            render_metrics(metrics_registry(lambda: again)).decode()
        )
        for sample in family.samples
        if not sample.labels
    }
    assert exposed["evokernel_replay_lookups_total"] == 4
    assert exposed["evokernel_replay_validations_total"] == 2
    assert exposed["evokernel_replay_hits_total"] == 1
    assert exposed["evokernel_store_last_seq"] == driven.head_seq
