"""The mutable state a fold keeps per gene, capsule and account, and its frozen form.

A ``ViewBuilder`` mutates these while it folds; ``freeze`` turns each into the immutable view
value (``GeneView``, ``CapsuleView``, ``AccountView``), copying every list so that a frozen
view never shares a container the fold goes on mutating. ``refreshed`` is how a freeze stays
incremental: only the states touched since the last freeze are frozen again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

from evokernel.domain.events import LedgerEntryKind
from evokernel.domain.events.assets import StateReason
from evokernel.domain.models import AssetState, Gene
from evokernel.domain.views import AccountView, CapsuleView, GeneView

_Frozen = TypeVar("_Frozen", covariant=True)
_View = TypeVar("_View")


class Freezable(Protocol[_Frozen]):
    """A mutable state that can give its immutable view value."""

    def freeze(self) -> _Frozen: ...


class GeneState:
    """A gene being folded: the gene, its state, its capsules in commit order."""

    __slots__ = ("capsule_ids", "gene", "imported_from", "state")

    def __init__(
        self, gene: Gene, state: AssetState, capsule_ids: list[str], imported_from: str | None
    ) -> None:
        self.gene = gene
        self.state = state
        self.capsule_ids = capsule_ids
        self.imported_from = imported_from

    def freeze(self) -> GeneView:
        return GeneView(
            gene=self.gene,
            state=self.state,
            capsule_ids=list(self.capsule_ids),
            imported_from=self.imported_from,
        )


class CapsuleState:
    """A capsule being folded: its state, evidence, reuses and rebased variants."""

    __slots__ = (
        "capsule",
        "evidence",
        "imported_from",
        "last_reason",
        "replay_run_ids",
        "reuse_count",
        "state",
        "variants",
    )

    def __init__(self, view: CapsuleView) -> None:
        self.capsule = view.capsule
        self.state = view.state
        self.evidence = list(view.evidence)
        self.reuse_count = view.reuse_count
        self.replay_run_ids = list(view.replay_run_ids)
        self.last_reason: StateReason | None = view.last_reason
        self.imported_from = view.imported_from
        self.variants = list(view.variants)

    def freeze(self) -> CapsuleView:
        return CapsuleView(
            capsule=self.capsule,
            state=self.state,
            evidence=list(self.evidence),
            reuse_count=self.reuse_count,
            replay_run_ids=list(self.replay_run_ids),
            last_reason=self.last_reason,
            imported_from=self.imported_from,
            variants=list(self.variants),
        )


class AccountState:
    """A ledger account being folded: balance, totals and entry counts by entry kind."""

    __slots__ = ("balance", "entries", "totals")

    def __init__(
        self,
        balance: float,
        totals: dict[LedgerEntryKind, float],
        entries: dict[LedgerEntryKind, int],
    ) -> None:
        self.balance = balance
        self.totals = totals
        self.entries = entries

    def freeze(self) -> AccountView:
        return AccountView(
            balance=self.balance, totals=dict(self.totals), entries=dict(self.entries)
        )


def refreshed(
    last: dict[str, _View] | None,
    states: Mapping[str, Freezable[_View]],
    dirty: dict[str, None],
) -> dict[str, _View]:
    """``last`` with the ``dirty`` ids frozen again, or ``last`` itself when none is.

    Without a ``last`` every state is frozen. New ids join at the end in ``dirty``'s order,
    which is the order they were created in, so the map keeps the order of a full freeze.
    """
    if last is None:
        return {key: state.freeze() for key, state in states.items()}
    if not dirty:
        return last
    fresh = dict(last)
    for key in dirty:
        fresh[key] = states[key].freeze()
    return fresh
