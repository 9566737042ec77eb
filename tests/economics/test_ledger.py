"""The ledger: entries built for each movement, balances that survive a restart, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.application.economics import (
    EconomicsConfig,
    ledger_entries,
    read_ledger,
    record_stake,
    reuse_entries,
    saving_entry,
)
from evokernel.application.economics.ledger import false_replay_entries
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import LedgerEntryKind, ReplayOutcome
from evokernel.domain.views import CapsuleView
from store import EventLog
from tests.evokernel.samples import capsule

CONFIG = EconomicsConfig(stake=10.0, reward=1.5, penalty=3.0, saving_per_agent_call=2.0)


def remote(n: int, publisher: str) -> CapsuleView:
    return CapsuleView(capsule=capsule(n, 1), imported_from=publisher)


def test_a_hit_on_a_remote_capsule_rewards_its_publisher() -> None:
    [entry] = reuse_entries(remote(1, "node-a"), ReplayOutcome.HIT, "run-r", CONFIG)

    assert entry.entry_kind is LedgerEntryKind.REWARD
    assert (entry.account, entry.amount) == ("node-a", 1.5)
    assert (entry.capsule_id, entry.run_id) == ("capsule_1", "run-r")


def test_a_failed_validation_of_a_remote_capsule_penalises_its_publisher() -> None:
    [entry] = reuse_entries(remote(1, "node-a"), ReplayOutcome.VALIDATION_FAILED, "r", CONFIG)

    assert entry.entry_kind is LedgerEntryKind.PENALTY
    assert (entry.account, entry.amount) == ("node-a", -3.0)


@pytest.mark.parametrize(
    "outcome", [ReplayOutcome.APPLY_FAILED, ReplayOutcome.INFRA_FAILED, ReplayOutcome.SKIPPED]
)
def test_outcomes_that_do_not_judge_the_capsule_move_nothing(outcome: ReplayOutcome) -> None:
    assert reuse_entries(remote(1, "node-a"), outcome, "r", CONFIG) == []


def test_a_local_capsule_has_no_publisher_to_pay() -> None:
    local = CapsuleView(capsule=capsule(1, 1))

    assert reuse_entries(local, ReplayOutcome.HIT, "r", CONFIG) == []
    assert reuse_entries(local, ReplayOutcome.VALIDATION_FAILED, "r", CONFIG) == []


def test_a_saving_credits_the_local_account_per_agent_call_avoided() -> None:
    entry = saving_entry(
        remote(1, "node-a"),
        "run-r",
        agent_calls_avoided=1,
        seconds_saved=12.5,
        tokens_saved=4000,
        config=CONFIG.model_copy(update={"local_account": "node-me"}),
    )

    assert entry.entry_kind is LedgerEntryKind.SAVING
    assert (entry.account, entry.amount) == ("node-me", 2.0)
    assert "12.500 s" in entry.note and "4000 tokens" in entry.note and "node-a" in entry.note


def write_history(directory: Path) -> None:
    """Two publishers: stakes, a reward and a penalty for node-a, a reward and a saving."""
    with EvolutionRepository.open(directory) as repository:
        record_stake(repository, "node-a", ["capsule_1", "capsule_2"], CONFIG)
        record_stake(repository, "node-b", ["capsule_3"], CONFIG)
        events = [
            *reuse_entries(remote(1, "node-a"), ReplayOutcome.HIT, "run-1", CONFIG),
            *reuse_entries(remote(2, "node-a"), ReplayOutcome.VALIDATION_FAILED, "run-2", CONFIG),
            *reuse_entries(remote(3, "node-b"), ReplayOutcome.HIT, "run-3", CONFIG),
            saving_entry(
                remote(3, "node-b"),
                "run-3",
                agent_calls_avoided=1,
                seconds_saved=3.0,
                tokens_saved=None,
                config=CONFIG,
            ),
        ]
        repository.record(events)


def test_balances_and_entries_are_the_same_after_the_store_is_reopened(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    write_history(directory)  # the writer is closed: what follows reads the files afresh

    report = read_ledger(directory, CONFIG)
    with EventLog.open(directory) as reopened:  # a restarted writer sees the same ledger
        entries = list(ledger_entries(reopened))
    again = read_ledger(directory, CONFIG)

    accounts = {a.account: a for a in report.accounts}
    assert set(accounts) == {"local", "node-a", "node-b"}
    node_a = accounts["node-a"]
    assert (node_a.balance, node_a.staked, node_a.rewarded, node_a.penalised) == (
        -21.5,
        20.0,
        1.5,
        3.0,
    )
    assert accounts["node-b"].balance == -8.5
    assert accounts["local"].saved == 2.0
    assert [e.entry_kind for e in node_a.entries] == ["stake", "stake", "reward", "penalty"]
    assert len(entries) == 7 and [e.seq for e in entries] == sorted(e.seq for e in entries)
    assert again == report


def test_ledger_entries_can_be_read_for_one_account(tmp_path: Path) -> None:
    write_history(tmp_path / "store")

    with EventLog.open_readonly(tmp_path / "store") as log:
        only_b = list(ledger_entries(log, "node-b"))

    assert [(e.entry_kind, e.amount) for e in only_b] == [("stake", -10.0), ("reward", 1.5)]


def test_a_rejected_reuse_of_a_remote_capsule_penalises_its_publisher() -> None:
    reused = remote(1, "node-a").model_copy(update={"replay_run_ids": ["run-reused"]})

    [entry] = false_replay_entries(reused, "run-reused", CONFIG)
    assert entry.entry_kind is LedgerEntryKind.PENALTY
    assert (entry.account, entry.amount, entry.run_id) == ("node-a", -3.0, "run-reused")
    # A rejection of a run that did not reuse it, or of a local capsule, moves nothing.
    assert false_replay_entries(reused, "run-other", CONFIG) == []
    local = CapsuleView(capsule=capsule(2, 1), replay_run_ids=["run-reused"])
    assert false_replay_entries(local, "run-reused", CONFIG) == []
