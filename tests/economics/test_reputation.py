"""Reputation is a pure function of the ledger, and it moves remote capsules in the ranking."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from evokernel.application.economics import EconomicsConfig, reputation_of, reputations
from evokernel.application.projection import ViewBuilder, apply_at
from evokernel.domain.events import LedgerEntryKind, LedgerEntryRecorded
from evokernel.domain.models import AssetState
from evokernel.domain.selection import (
    CandidateCapsule,
    SelectionConfig,
    SignalIndex,
    rank_candidates,
)
from evokernel.domain.views import AccountView

CONFIG = EconomicsConfig()
SIGNATURE = ["exception:KeyError", "test-failed:tests/test_x.py::test_x"]


def account(rewarded: float = 0.0, penalised: float = 0.0, staked: float = 0.0) -> AccountView:
    return AccountView(
        balance=rewarded - penalised - staked,
        totals={
            LedgerEntryKind.REWARD: rewarded,
            LedgerEntryKind.PENALTY: -penalised,
            LedgerEntryKind.STAKE: -staked,
        },
    )


def test_a_publisher_without_history_sits_at_one_half() -> None:
    assert reputation_of("node-a", None, CONFIG).score == 0.5
    assert reputation_of("node-a", account(staked=50.0), CONFIG).score == 0.5


def test_rewards_raise_and_penalties_lower_reputation() -> None:
    assert reputation_of("a", account(rewarded=1.0), CONFIG).score == 2 / 3
    assert reputation_of("a", account(penalised=2.0), CONFIG).score == 0.25


@given(
    rewarded=st.floats(min_value=0, max_value=1e6),
    penalised=st.floats(min_value=0, max_value=1e6),
    more=st.floats(min_value=0.5, max_value=100),
)
def test_reputation_stays_in_the_open_unit_interval_and_is_monotonic(
    rewarded: float, penalised: float, more: float
) -> None:
    base = reputation_of("a", account(rewarded, penalised), CONFIG).score
    better = reputation_of("a", account(rewarded + more, penalised), CONFIG).score
    worse = reputation_of("a", account(rewarded, penalised + more), CONFIG).score

    assert 0.0 < base < 1.0
    assert worse <= base <= better


def test_reputation_comes_from_the_folded_ledger() -> None:
    builder = ViewBuilder()
    entries = [
        LedgerEntryRecorded(entry_kind=LedgerEntryKind.STAKE, account="a", amount=-10.0),
        LedgerEntryRecorded(entry_kind=LedgerEntryKind.REWARD, account="a", amount=1.0),
        LedgerEntryRecorded(entry_kind=LedgerEntryKind.PENALTY, account="b", amount=-2.0),
    ]
    for seq, entry in enumerate(entries, start=1):
        apply_at(entry, builder, seq, "2026-01-01T00:00:00.000000Z")
    view = builder.freeze()

    found = reputations(view.accounts, CONFIG)

    assert view.accounts["a"].entries == {LedgerEntryKind.STAKE: 1, LedgerEntryKind.REWARD: 1}
    assert (found["a"].rewards, found["a"].score) == (1, 2 / 3)
    assert (found["b"].penalties, found["b"].score) == (1, 0.25)


def _candidate(capsule_id: str, reputation: float | None) -> CandidateCapsule:
    return CandidateCapsule(
        capsule_id=capsule_id,
        gene_id="gene_1",
        gene_signature=SIGNATURE,
        state=AssetState.PROMOTED,
        confidence=0.8,
        repo_identity="acme/shop",
        publisher_reputation=reputation,
    )


def test_publisher_reputation_orders_otherwise_equal_remote_capsules() -> None:
    index = SignalIndex()
    index.add("gene_1", SIGNATURE)
    trusted = reputation_of("b", account(rewarded=3.0), CONFIG).score
    distrusted = reputation_of("a", account(penalised=4.0), CONFIG).score
    capsules = {
        "gene_1": [
            _candidate("capsule_a", distrusted),
            _candidate("capsule_b", trusted),
            _candidate("capsule_local", None),
        ]
    }

    ranked = rank_candidates(SIGNATURE, index, capsules, config=SelectionConfig(top_k=5))

    assert [c.capsule_id for c in ranked] == ["capsule_local", "capsule_b", "capsule_a"]
    floor = SelectionConfig().weights.publisher_floor
    by_id = {c.capsule_id: c for c in ranked}
    assert by_id["capsule_local"].components["publisher"] == 1.0
    assert math.isclose(
        by_id["capsule_a"].components["publisher"], floor + (1 - floor) * distrusted
    )
    for candidate in ranked:
        factors = ("similarity", "confidence", "environment", "repository", "state", "publisher")
        assert math.isclose(candidate.score, math.prod(candidate.components[k] for k in factors))
