"""The mutable accumulator a fold writes into, and the frozen view it produces.

Why mutable: a fold over a million events that returned a new frozen view per event
(``model_copy``) would copy the genes and capsules maps on every step, turning an O(n) rebuild
into O(n x assets). The builder is private to one fold; what leaves it is an immutable
``EvolutionView``. Each effect below is the single definition of what an event does to the
view (``handlers.EFFECTS`` maps every event kind to one of them).

Why incremental: a long-lived reader (an MCP server, the dashboard) freezes after every few
appended records. Each effect notes which genes, capsules, signals and accounts it touched;
``freeze`` rebuilds only those and shares every untouched frozen value (and an untouched map
as a whole) with the previous view. Views are immutable, so sharing them is safe, and an event
that touches no asset (a run event, a tool call) costs a counters model at the next freeze.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evokernel.application.projection.states import AccountState, CapsuleState, GeneState, refreshed
from evokernel.domain.events import ApprovalDecision, AssetType, LedgerEntryKind, ReplayOutcome
from evokernel.domain.events.assets import StateReason
from evokernel.domain.models import (
    AssetState,
    Capsule,
    Evidence,
    EvidenceKind,
    Gene,
    RebasedVariant,
)
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.views import CapsuleView, Counters, EvolutionView

_STATE_COUNTERS = {
    AssetState.PROMOTED: "promotions",
    AssetState.QUARANTINED: "quarantines",
    AssetState.REVOKED: "revocations",
    AssetState.ARCHIVED: "archivals",
}

# Outcome -> (counter, evidence). Apply failures and skips say nothing about whether the
# capsule works, so they leave no evidence; infra failures are kept, but as infra_failure.
_REPLAY_EFFECTS: dict[ReplayOutcome, tuple[str, EvidenceKind | None]] = {
    ReplayOutcome.HIT: ("replay_hits", EvidenceKind.REPLAY_PASSED),
    ReplayOutcome.VALIDATION_FAILED: ("replay_failures", EvidenceKind.REPLAY_FAILED),
    ReplayOutcome.INFRA_FAILED: ("replay_infra_failures", EvidenceKind.INFRA_FAILURE),
    ReplayOutcome.APPLY_FAILED: ("replay_apply_failures", None),
    ReplayOutcome.SKIPPED: ("replay_skips", None),
}


class ViewBuilder:
    """Accumulates events into genes, capsules, index and counters; ``freeze()`` gives the view.

    ``seq`` and ``ts`` are the position of the record being applied; effects that produce
    evidence date it with them.
    """

    def __init__(self) -> None:
        self.seq = 0
        self.ts: str | datetime = ""
        self.counters: dict[str, Any] = Counters().model_dump()
        self._ledger: dict[str, float] = {}
        self._messages: dict[str, str] = {}
        self._accounts: dict[str, AccountState] = {}
        self._genes: dict[str, GeneState] = {}
        self._capsules: dict[str, CapsuleState] = {}
        self._index: dict[str, set[str]] = {}
        # Capsules committed before their gene, by gene id (the gene picks them up).
        self._orphans: dict[str, list[str]] = {}
        # What changed since the last freeze; ``None``: nothing frozen yet, build it all.
        # Ordered (dicts as sets) so new ids join a map in the order they were created.
        self._frozen: EvolutionView | None = None
        self._dirty_genes: dict[str, None] = {}
        self._dirty_capsules: dict[str, None] = {}
        self._dirty_signals: dict[str, None] = {}
        self._dirty_accounts: dict[str, None] = {}
        self._dirty_messages = False

    # -- conversion ---------------------------------------------------------------------

    @classmethod
    def from_view(cls, view: EvolutionView) -> ViewBuilder:
        """A builder that continues from ``view`` (used to catch up from a snapshot)."""
        builder = cls()
        builder.seq = view.last_seq
        builder.counters = view.counters.model_dump()
        builder._ledger = dict(view.ledger)
        builder._messages = dict(view.network_messages)
        for account, a in view.accounts.items():
            builder._accounts[account] = AccountState(a.balance, dict(a.totals), dict(a.entries))
        for gene_id, g in view.genes.items():
            builder._genes[gene_id] = GeneState(
                g.gene, g.state, list(g.capsule_ids), g.imported_from
            )
        for capsule_id, c in view.capsules.items():
            builder._capsules[capsule_id] = CapsuleState(c)
            if c.capsule.gene_id not in builder._genes:
                builder._orphans.setdefault(c.capsule.gene_id, []).append(capsule_id)
        builder._index = {signal: set(ids) for signal, ids in view.signal_index.items()}
        builder._frozen = view  # the next freeze rebuilds only what changes from here
        return builder

    def freeze(self) -> EvolutionView:
        """The immutable view of everything applied so far.

        Only what changed since the last freeze is built again; the rest is the previous
        view's (immutable) values. Built with ``model_construct``: every value here is already
        a validated model, and validating 10k-entry maps again would cost milliseconds per
        freeze.
        """
        last = self._frozen
        view = EvolutionView.model_construct(
            genes=refreshed(last.genes if last else None, self._genes, self._dirty_genes),
            capsules=refreshed(
                last.capsules if last else None, self._capsules, self._dirty_capsules
            ),
            signal_index=self._frozen_index(last.signal_index if last else None),
            counters=Counters(**self.counters),
            ledger=(
                last.ledger if last is not None and not self._dirty_accounts else dict(self._ledger)
            ),
            network_messages=(
                last.network_messages
                if last is not None and not self._dirty_messages
                else dict(self._messages)
            ),
            accounts=refreshed(
                last.accounts if last else None, self._accounts, self._dirty_accounts
            ),
            last_seq=self.seq,
        )
        self._frozen = view
        self._dirty_genes, self._dirty_capsules = {}, {}
        self._dirty_signals, self._dirty_accounts = {}, {}
        self._dirty_messages = False
        return view

    def _frozen_index(self, last: dict[str, list[str]] | None) -> dict[str, list[str]]:
        """The signal index, signals sorted; only changed signals' ids are sorted again."""
        dirty = self._dirty_signals
        if last is not None and not dirty:
            return last
        if last is None or any(signal not in last for signal in dirty):
            # a new signal: the map is built again in signal order, clean lists shared
            return {
                signal: sorted(ids) if last is None or signal in dirty else last[signal]
                for signal, ids in sorted(self._index.items())
            }
        index = dict(last)
        for signal in dirty:
            index[signal] = sorted(self._index[signal])
        return index

    # -- effects: the one definition of what each event does ------------------------------

    def count(self, name: str, by: int | float = 1) -> None:
        """Add to one counter."""
        self.counters[name] += by

    def solidify_gene(
        self, gene: Gene, state: AssetState = AssetState.CANDIDATE, imported_from: str | None = None
    ) -> None:
        """Record a gene. A known gene keeps its state (a revoked gene stays revoked)."""
        known = self._genes.get(gene.gene_id)
        if known is None:
            capsule_ids = self._orphans.pop(gene.gene_id, [])
            self._genes[gene.gene_id] = GeneState(gene, state, capsule_ids, imported_from)
        else:
            known.gene = gene
        self._dirty_genes[gene.gene_id] = None
        for signal in gene.signature:
            ids = self._index.setdefault(signal, set())
            if gene.gene_id not in ids:
                ids.add(gene.gene_id)
                self._dirty_signals[signal] = None

    def commit_capsule(
        self,
        capsule: Capsule,
        state: AssetState,
        *,
        validated: bool,
        imported_from: str | None = None,
    ) -> None:
        """Record a capsule; a validated capture adds ``validated_capture`` evidence.

        A known capsule keeps its state: re-capturing a revoked capsule does not revive it.
        """
        known = self._capsules.get(capsule.capsule_id)
        if known is None:
            known = CapsuleState(
                CapsuleView(capsule=capsule, state=state, imported_from=imported_from)
            )
            self._capsules[capsule.capsule_id] = known
            self._dirty_capsules[capsule.capsule_id] = None
            gene = self._genes.get(capsule.gene_id)
            if gene is not None:
                gene.capsule_ids.append(capsule.capsule_id)
                self._dirty_genes[capsule.gene_id] = None
            else:
                self._orphans.setdefault(capsule.gene_id, []).append(capsule.capsule_id)
        if validated:
            self._add_evidence(capsule.capsule_id, known, EvidenceKind.VALIDATED_CAPTURE)

    def change_state(
        self, asset_type: AssetType, asset_id: str, to_state: AssetState, reason: StateReason
    ) -> None:
        """Move a gene or capsule to ``to_state``; unknown ids change nothing but the counters."""
        counter = _STATE_COUNTERS.get(to_state)
        if counter is not None:
            self.counters[counter] += 1
        if asset_type is AssetType.GENE:
            gene = self._genes.get(asset_id)
            if gene is not None:
                gene.state = to_state
                self._dirty_genes[asset_id] = None
            return
        capsule = self._touch(asset_id)
        if capsule is not None:
            capsule.state = to_state
            capsule.last_reason = reason

    def replay_attempted(
        self, capsule_id: str, outcome: ReplayOutcome, reason: ReasonCode | None
    ) -> None:
        """Count one replay attempt and date the evidence it gives about the capsule."""
        counter, evidence = _REPLAY_EFFECTS[outcome]
        counters = self.counters
        counters["replay_attempts"] += 1
        counters[counter] += 1
        if evidence is None:
            return
        counters["replay_validations"] += 1
        capsule = self._touch(capsule_id)
        if capsule is not None:
            self._add_evidence(capsule_id, capsule, evidence)
            if reason is not None:
                capsule.last_reason = reason

    def capsule_reused(self, capsule_id: str, replay_run_id: str) -> None:
        """Count a reuse of the capsule by the caller's run."""
        self.counters["reuses"] += 1
        capsule = self._touch(capsule_id)
        if capsule is not None:
            capsule.reuse_count += 1
            capsule.replay_run_ids.append(replay_run_id)

    def capsule_rebased(self, variant: RebasedVariant) -> None:
        """Keep a capsule's diff as applied on another tree (one variant per distinct diff)."""
        self.counters["rebases"] += 1
        capsule = self._touch(variant.rebased_from)
        if capsule is None:
            return
        capsule.variants = [v for v in capsule.variants if v.diff_hash != variant.diff_hash]
        capsule.variants.append(variant)

    def approval(self, decision: ApprovalDecision, capsule_id: str | None, run_id: str) -> None:
        """A human verdict: evidence for the capsule; a rejected reuse is a false replay."""
        approved = decision is ApprovalDecision.APPROVE
        self.counters["approvals" if approved else "human_rejections"] += 1
        capsule = self._touch(capsule_id) if capsule_id is not None else None
        if capsule_id is None or capsule is None:
            return
        if approved:
            self._add_evidence(capsule_id, capsule, EvidenceKind.HUMAN_APPROVED)
            return
        self._add_evidence(capsule_id, capsule, EvidenceKind.HUMAN_REJECTED)
        capsule.last_reason = ReasonCode.REJECTED_BY_HUMAN
        if run_id in capsule.replay_run_ids:
            self.counters["false_replays"] += 1

    def economics(self, agent_calls_avoided: int, seconds_saved: float, tokens: int) -> None:
        """Add what one replay decision saved."""
        counters = self.counters
        counters["agent_calls_avoided"] += agent_calls_avoided
        counters["seconds_saved"] += seconds_saved
        counters["tokens_saved"] += tokens

    def ledger_entry(self, account: str, amount: float, entry_kind: LedgerEntryKind) -> None:
        """Move credits on one account, keeping its totals by entry kind."""
        self.counters["ledger_entries"] += 1
        self._dirty_accounts[account] = None
        self._ledger[account] = self._ledger.get(account, 0.0) + amount
        state = self._accounts.get(account)
        if state is None:
            state = self._accounts[account] = AccountState(0.0, {}, {})
        state.balance += amount
        state.totals[entry_kind] = state.totals.get(entry_kind, 0.0) + amount
        state.entries[entry_kind] = state.entries.get(entry_kind, 0) + 1

    def network_message(self, message_id: str, sender_id: str) -> None:
        """Remember a received network message id (bundles and revokes are never replayed)."""
        self._messages[message_id] = sender_id
        self._dirty_messages = True

    def _touch(self, capsule_id: str) -> CapsuleState | None:
        """The capsule an effect is about to change (marked for the next freeze), if known."""
        capsule = self._capsules.get(capsule_id)
        if capsule is not None:
            self._dirty_capsules[capsule_id] = None
        return capsule

    def _add_evidence(self, capsule_id: str, capsule: CapsuleState, kind: EvidenceKind) -> None:
        self._dirty_capsules[capsule_id] = None
        capsule.evidence.append(Evidence(kind=kind, at=self.ts, seq=self.seq))
