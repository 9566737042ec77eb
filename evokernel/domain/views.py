"""Read models built from events: what the evolution store currently says.

Views are values: frozen, rebuilt from the log at any time, cached in a snapshot. Selection,
confidence and the governor read them; nothing here is ever written back to the store.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from evokernel.domain.confidence import ConfidenceConfig, confidence
from evokernel.domain.events._enums import LedgerEntryKind
from evokernel.domain.events.assets import StateReason
from evokernel.domain.models import AssetState, Capsule, Evidence, Gene, Model, RebasedVariant


class GeneView(Model):
    """A gene, its state and its capsules."""

    gene: Gene
    """The gene as last solidified (or imported)."""
    state: AssetState = AssetState.CANDIDATE
    """Current state (changed only by ``AssetStateChanged``)."""
    capsule_ids: list[str] = Field(default_factory=list)
    """Capsules of this gene, in the order they were committed."""
    imported_from: str | None = None
    """Publisher node id, when the gene arrived from a peer."""


class CapsuleView(Model):
    """A capsule, its state and the evidence its confidence is derived from."""

    capsule: Capsule
    """The capsule (diff, origin run, environment, blast radius)."""
    state: AssetState = AssetState.CANDIDATE
    """Current state."""
    evidence: list[Evidence] = Field(default_factory=list)
    """Validated capture, replay passes and failures, human verdicts, infra failures; oldest
    first. Infra failures are kept as ``infra_failure`` and never count against the capsule."""
    reuse_count: int = 0
    """How many times a replay of it validated and was reused."""
    replay_run_ids: list[str] = Field(default_factory=list)
    """The runs that reused it (``CapsuleReused.replay_run_id``), oldest first."""
    last_reason: StateReason | None = None
    """Reason of the latest state change, failed replay or human rejection."""
    imported_from: str | None = None
    """Publisher node id, when the capsule arrived from a peer."""
    variants: list[RebasedVariant] = Field(default_factory=list)
    """Its diff as applied and validated on other trees (``CapsuleRebased``), oldest first,
    one per distinct diff: tried before the stored diff when one applies strictly."""

    def confidence_at(self, now: datetime, config: ConfidenceConfig) -> float:
        """Confidence at ``now`` as every report shows it (rounded to 4 places).

        Callers pass their own clock's ``now`` (the kernel's, injectable in tests), so two
        reports of one run never disagree because each asked the system clock.
        """
        return round(confidence(self.evidence, now, config), 4)


class Counters(Model):
    """Totals over the whole log, counted honestly: a lookup is not a replay attempt."""

    tasks: int = 0
    """Runs started (``task_received``)."""
    detections: int = 0
    """Baseline failures turned into signals."""
    proposals: int = 0
    """Proposals handed in by agents."""
    validations: int = 0
    """Sandbox validations completed, all purposes."""
    infra_failures: int = 0
    """Validations that ended in an infrastructure failure."""
    validation_seconds: float = 0.0
    """Seconds spent in sandbox validations, all purposes."""
    rejections: int = 0
    """Proposals rejected (any reason code)."""
    captures: int = 0
    """Capsules committed from validated proposals."""
    replay_lookups: int = 0
    """Replay lookups (selector queries), whether or not anything was validated."""
    lookups_without_validation: int = 0
    """Lookups that never reached a replay validation."""
    replay_attempts: int = 0
    """Capsules tried, whatever the outcome."""
    replay_validations: int = 0
    """Replay attempts that reached validation (hit, validation failed, infra failed)."""
    replay_hits: int = 0
    """Replay validations that passed."""
    replay_failures: int = 0
    """Replay validations that failed because of the patch."""
    replay_infra_failures: int = 0
    """Replay validations that failed because of the sandbox."""
    replay_apply_failures: int = 0
    """Replay attempts whose diff did not apply to the new code."""
    replay_skips: int = 0
    """Candidates not tried."""
    reuses: int = 0
    """Capsules reused (``capsule_reused``)."""
    rebases: int = 0
    """Rebased variants recorded (``capsule_rebased``)."""
    landing_failures: int = 0
    """Validated changes that could not be committed on their branch (``landing_failed``)."""
    false_replays: int = 0
    """Reuses later rejected by a human or CI."""
    agent_calls: int = 0
    """Agent calls made."""
    agent_tokens: int = 0
    """Tokens agents reported (in plus out)."""
    agent_failures: int = 0
    """Agent calls that failed (error, timeout, no usable proposal)."""
    agent_seconds: float = 0.0
    """Seconds agents took, all calls."""
    agent_calls_avoided: int = 0
    """Agent calls not made because replay validated."""
    seconds_saved: float = 0.0
    """Seconds saved by replay against original capture cost."""
    tokens_saved: int = 0
    """Agent tokens saved by replay, when known."""
    approvals: int = 0
    """Human approvals."""
    human_rejections: int = 0
    """Human rejections."""
    promotions: int = 0
    """Transitions to ``promoted``."""
    quarantines: int = 0
    """Transitions to ``quarantined``."""
    revocations: int = 0
    """Transitions to ``revoked``."""
    archivals: int = 0
    """Transitions to ``archived``."""
    remote_imports: int = 0
    """Assets imported from peers."""
    tool_calls: int = 0
    """Reading tool calls made by agents (``tool_called``: MCP ``search`` and ``status``)."""
    interrupted_runs: int = 0
    """Runs stopped by Ctrl-C or a signal before they finished (``run_interrupted``)."""
    deliveries: int = 0
    """Delivery steps (branch, commit, push, issue, pull request)."""
    ledger_entries: int = 0
    """Ledger entries."""


class AccountView(Model):
    """One ledger account (a node id): its balance and what moved it, by entry kind."""

    balance: float = 0.0
    """Sum of every signed amount on the account."""
    totals: dict[LedgerEntryKind, float] = Field(default_factory=dict)
    """Signed sum of the amounts of each entry kind (stakes and penalties are negative)."""
    entries: dict[LedgerEntryKind, int] = Field(default_factory=dict)
    """Number of entries of each kind."""


class EvolutionView(Model):
    """Genes, capsules, the signal index and counters, as of ``last_seq``."""

    genes: dict[str, GeneView] = Field(default_factory=dict)
    """Genes by id."""
    capsules: dict[str, CapsuleView] = Field(default_factory=dict)
    """Capsules by id."""
    signal_index: dict[str, list[str]] = Field(default_factory=dict)
    """Inverted index: signal -> ids of genes whose signature holds it (sorted)."""
    counters: Counters = Field(default_factory=Counters)
    """Totals."""
    ledger: dict[str, float] = Field(default_factory=dict)
    """Credit balance by account (node id)."""
    network_messages: dict[str, str] = Field(default_factory=dict)
    """Ids of the signed network messages received (bundles, revokes, seed files) -> sender
    id; a message id seen here is refused as a replay."""
    accounts: dict[str, AccountView] = Field(default_factory=dict)
    """Ledger accounts with their totals by entry kind (reputation is derived from them)."""
    last_seq: int = 0
    """Sequence number of the last record folded in (0 for an empty log)."""

    def capsules_of(self, gene_id: str) -> list[CapsuleView]:
        """The capsules of a gene, in commit order (empty for an unknown gene)."""
        gene = self.genes.get(gene_id)
        if gene is None:
            return []
        return [self.capsules[c] for c in gene.capsule_ids if c in self.capsules]

    def confidence_of(
        self, capsule_id: str | None, config: ConfidenceConfig, now: datetime
    ) -> float | None:
        """A capsule's confidence at ``now``, or None when there is no such capsule.

        The one place confidence "as of now" is read: callers pass their injected clock's
        ``now`` (``evokernel.domain.confidence.utc_now`` by default).
        """
        found = self.capsules.get(capsule_id) if capsule_id else None
        return found.confidence_at(now, config) if found is not None else None

    def capsule_of_run(self, run_id: str) -> str | None:
        """The capsule ``run_id`` captured (its origin run) or reused (a replay run), if known."""
        for capsule_id, found in self.capsules.items():
            if found.capsule.origin_run_id == run_id or run_id in found.replay_run_ids:
                return capsule_id
        return None
