"""The mutable accumulator a fold writes into, and the frozen view it produces.

Why mutable: a fold over a million events that returned a new frozen view per event
(``model_copy``) would copy the genes and capsules maps on every step, turning an O(n) rebuild
into O(n x assets). The builder is private to one fold; what leaves it is an immutable
``EvolutionView``. Each effect below is the single definition of what an event does to the
view; the typed and the raw handlers both call it, so the two paths cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evokernel.events import ApprovalDecision, AssetType, LedgerEntryKind, ReplayOutcome
from evokernel.events.assets import StateReason
from evokernel.models import AssetState, Capsule, Evidence, EvidenceKind, Gene, RebasedVariant
from evokernel.models.feedback import ReasonCode
from evokernel.views import AccountView, CapsuleView, Counters, EvolutionView, GeneView

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


class _GeneState:
    __slots__ = ("capsule_ids", "gene", "imported_from", "state")

    def __init__(
        self, gene: Gene, state: AssetState, capsule_ids: list[str], imported_from: str | None
    ) -> None:
        self.gene = gene
        self.state = state
        self.capsule_ids = capsule_ids
        self.imported_from = imported_from


class _CapsuleState:
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


class _AccountState:
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


class ViewBuilder:
    """Accumulates events into genes, capsules, index and counters; ``freeze()`` gives the view.

    ``seq`` and ``ts`` are the position of the record being applied; effects that produce
    evidence date it with them.
    """

    def __init__(self) -> None:
        self.seq = 0
        self.ts: str | datetime = ""
        self.counters: dict[str, Any] = Counters().model_dump()
        self.ledger: dict[str, float] = {}
        self.network_messages: dict[str, str] = {}
        self._accounts: dict[str, _AccountState] = {}
        self._genes: dict[str, _GeneState] = {}
        self._capsules: dict[str, _CapsuleState] = {}
        self._index: dict[str, set[str]] = {}
        # Capsules committed before their gene, by gene id (the gene picks them up).
        self._orphans: dict[str, list[str]] = {}

    # -- conversion ---------------------------------------------------------------------

    @classmethod
    def from_view(cls, view: EvolutionView) -> ViewBuilder:
        """A builder that continues from ``view`` (used to catch up from a snapshot)."""
        builder = cls()
        builder.seq = view.last_seq
        builder.counters = view.counters.model_dump()
        builder.ledger = dict(view.ledger)
        builder.network_messages = dict(view.network_messages)
        for account, a in view.accounts.items():
            builder._accounts[account] = _AccountState(a.balance, dict(a.totals), dict(a.entries))
        for gene_id, g in view.genes.items():
            builder._genes[gene_id] = _GeneState(
                g.gene, g.state, list(g.capsule_ids), g.imported_from
            )
        for capsule_id, c in view.capsules.items():
            builder._capsules[capsule_id] = _CapsuleState(c)
            if c.capsule.gene_id not in builder._genes:
                builder._orphans.setdefault(c.capsule.gene_id, []).append(capsule_id)
        builder._index = {signal: set(ids) for signal, ids in view.signal_index.items()}
        return builder

    def freeze(self) -> EvolutionView:
        """The immutable view of everything applied so far."""
        genes = {
            gene_id: GeneView(
                gene=g.gene,
                state=g.state,
                capsule_ids=list(g.capsule_ids),
                imported_from=g.imported_from,
            )
            for gene_id, g in self._genes.items()
        }
        capsules = {
            capsule_id: CapsuleView(
                capsule=c.capsule,
                state=c.state,
                evidence=list(c.evidence),
                reuse_count=c.reuse_count,
                replay_run_ids=list(c.replay_run_ids),
                last_reason=c.last_reason,
                imported_from=c.imported_from,
                variants=list(c.variants),
            )
            for capsule_id, c in self._capsules.items()
        }
        return EvolutionView(
            genes=genes,
            capsules=capsules,
            signal_index={signal: sorted(ids) for signal, ids in sorted(self._index.items())},
            counters=Counters(**self.counters),
            ledger=dict(self.ledger),
            network_messages=dict(self.network_messages),
            accounts={
                account: AccountView(
                    balance=a.balance, totals=dict(a.totals), entries=dict(a.entries)
                )
                for account, a in self._accounts.items()
            },
            last_seq=self.seq,
        )

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
            self._genes[gene.gene_id] = _GeneState(gene, state, capsule_ids, imported_from)
        else:
            known.gene = gene
        for signal in gene.signature:
            self._index.setdefault(signal, set()).add(gene.gene_id)

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
            known = _CapsuleState(
                CapsuleView(capsule=capsule, state=state, imported_from=imported_from)
            )
            self._capsules[capsule.capsule_id] = known
            gene = self._genes.get(capsule.gene_id)
            if gene is not None:
                gene.capsule_ids.append(capsule.capsule_id)
            else:
                self._orphans.setdefault(capsule.gene_id, []).append(capsule.capsule_id)
        if validated:
            self._add_evidence(known, EvidenceKind.VALIDATED_CAPTURE)

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
            return
        capsule = self._capsules.get(asset_id)
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
        capsule = self._capsules.get(capsule_id)
        if capsule is not None:
            self._add_evidence(capsule, evidence)
            if reason is not None:
                capsule.last_reason = reason

    def capsule_reused(self, capsule_id: str, replay_run_id: str) -> None:
        """Count a reuse of the capsule by the caller's run."""
        self.counters["reuses"] += 1
        capsule = self._capsules.get(capsule_id)
        if capsule is not None:
            capsule.reuse_count += 1
            capsule.replay_run_ids.append(replay_run_id)

    def capsule_rebased(self, variant: RebasedVariant) -> None:
        """Keep a capsule's diff as applied on another tree (one variant per distinct diff)."""
        self.counters["rebases"] += 1
        capsule = self._capsules.get(variant.rebased_from)
        if capsule is None:
            return
        capsule.variants = [v for v in capsule.variants if v.diff_hash != variant.diff_hash]
        capsule.variants.append(variant)

    def approval(self, decision: ApprovalDecision, capsule_id: str | None, run_id: str) -> None:
        """A human verdict: evidence for the capsule; a rejected reuse is a false replay."""
        approved = decision is ApprovalDecision.APPROVE
        self.counters["approvals" if approved else "human_rejections"] += 1
        capsule = self._capsules.get(capsule_id) if capsule_id is not None else None
        if capsule is None:
            return
        if approved:
            self._add_evidence(capsule, EvidenceKind.HUMAN_APPROVED)
            return
        self._add_evidence(capsule, EvidenceKind.HUMAN_REJECTED)
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
        self.ledger[account] = self.ledger.get(account, 0.0) + amount
        state = self._accounts.get(account)
        if state is None:
            state = self._accounts[account] = _AccountState(0.0, {}, {})
        state.balance += amount
        state.totals[entry_kind] = state.totals.get(entry_kind, 0.0) + amount
        state.entries[entry_kind] = state.entries.get(entry_kind, 0) + 1

    def network_message(self, message_id: str, sender_id: str) -> None:
        """Remember a received network message id (bundles and revokes are never replayed)."""
        self.network_messages[message_id] = sender_id

    def _add_evidence(self, capsule: _CapsuleState, kind: EvidenceKind) -> None:
        capsule.evidence.append(Evidence(kind=kind, at=self.ts, seq=self.seq))
