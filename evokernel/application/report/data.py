"""What an evolution report shows, as values: lineage, replay over time, genes, slow spots.

The renderers (``html``, ``markdown``) only format a ``ReportData``; everything a person reads in
the report is here first, so ``evokernel report --json`` prints the same facts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from evokernel.domain.models import AssetState, Model


class NodeKind(StrEnum):
    """Kinds of node in the lineage graph, left to right."""

    GENE = "gene"
    """A problem class."""
    CAPSULE = "capsule"
    """A validated solution of a gene."""
    VARIANT = "variant"
    """A capsule's diff as it applied to drifted code (a rebased variant)."""
    REUSE = "reuse"
    """One run that reused a capsule (or a variant) instead of calling an agent."""


class LineageNode(Model):
    """One node of the lineage graph."""

    id: str
    """Asset id, or the reusing run's id for a reuse."""
    kind: NodeKind
    """What the node is."""
    label: str
    """Short text shown on the node."""
    state: AssetState | None = None
    """Current state of a gene or capsule."""
    origin_run_id: str | None = None
    """The run that produced the capsule (for a reuse: the capsule's origin run)."""
    replay_run_id: str | None = None
    """For a reuse: the run that reused it."""


class LineageEdge(Model):
    """A directed edge: gene -> capsule -> variant -> reuse."""

    source: str
    """Id of the node it leaves."""
    target: str
    """Id of the node it enters."""


class TimelineBucket(Model):
    """Replay figures of one day (UTC)."""

    day: str
    """``YYYY-MM-DD``."""
    lookups: int = 0
    """Replay lookups."""
    hits: int = 0
    """Replays that validated and were reused."""
    fallbacks: int = 0
    """Lookups that ended without a reuse (the agent was asked, or nothing was)."""
    false_replays: int = 0
    """Reuses later rejected by a person or CI."""
    agent_calls: int = 0
    """Agent calls made."""
    agent_calls_avoided: int = 0
    """Agent calls not made because a replay validated."""
    seconds_saved: float = 0.0
    """Net seconds saved by reuse."""
    tokens_saved: int = 0
    """Agent tokens not spent."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "day",
        "lookups",
        "hits",
        "fallbacks",
        "false replays",
        "calls avoided",
    )
    """The headings of a day's row in the printed and Markdown reports."""

    def cells(self) -> list[str]:
        """The day's row under ``COLUMNS``, as text."""
        figures = (self.lookups, self.hits, self.fallbacks, self.false_replays)
        return [self.day, *map(str, figures), str(self.agent_calls_avoided)]


class ConfidencePoint(Model):
    """A capsule's confidence right after one piece of evidence."""

    at: datetime
    """When the evidence arrived."""
    confidence: float
    """Confidence in [0, 1] at that moment."""


class StateTransition(Model):
    """One state change of a gene or a capsule."""

    at: datetime
    """When it happened."""
    seq: int
    """Store sequence number of the event."""
    asset_id: str
    """Gene or capsule id."""
    from_state: AssetState | None
    """State before."""
    to_state: AssetState
    """State after."""
    reason_code: str
    """Why."""


class GeneHistory(Model):
    """One gene: its state, its capsules' confidence over time, its transitions."""

    gene_id: str
    """The gene."""
    state: AssetState
    """Current state."""
    signature: list[str]
    """Its failure signature."""
    confidence: dict[str, list[ConfidencePoint]] = Field(default_factory=dict)
    """Confidence over time, by capsule id."""
    transitions: list[StateTransition] = Field(default_factory=list)
    """State changes of the gene and of its capsules, oldest first."""


class ValidationRow(Model):
    """One sandbox validation (for the slowest list)."""

    run_id: str
    """The run."""
    task_id: str
    """The task."""
    purpose: str
    """Baseline, proposal, replay ..."""
    passed: bool
    """Its verdict."""
    duration_s: float
    """Seconds it took."""


class TaskFailureRow(Model):
    """A task and how often attempts at it failed."""

    task_id: str
    """The task."""
    failures: int
    """Failed validations and rejected proposals."""
    runs: int
    """Distinct runs that worked on it."""


class ReportData(Model):
    """Everything an evolution report shows."""

    generated_at: datetime
    """When the report was made."""
    since: datetime | None = None
    """Only events at or after this moment were counted (``None``: all)."""
    last_seq: int
    """Last store record included."""
    totals: dict[str, float] = Field(default_factory=dict)
    """Headline figures (lookups, hits, agent calls avoided, seconds and tokens saved ...)."""
    nodes: list[LineageNode] = Field(default_factory=list)
    """Lineage graph nodes."""
    edges: list[LineageEdge] = Field(default_factory=list)
    """Lineage graph edges."""
    timeline: list[TimelineBucket] = Field(default_factory=list)
    """Replay over time, one bucket per day with activity, oldest first."""
    genes: list[GeneHistory] = Field(default_factory=list)
    """Per gene history, by gene id."""
    revocations: list[StateTransition] = Field(default_factory=list)
    """Every revocation, oldest first."""
    slowest_validations: list[ValidationRow] = Field(default_factory=list)
    """The slowest validations, slowest first."""
    most_failed_tasks: list[TaskFailureRow] = Field(default_factory=list)
    """Tasks with the most failures, most first."""
