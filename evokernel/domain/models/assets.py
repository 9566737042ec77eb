"""Genes (problem classes) and capsules (validated solutions), and their states."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evokernel.domain.models.base import Model
from evokernel.domain.models.patchtext import PatchFieldsModel
from sandbox import BlastRadius


class AssetState(StrEnum):
    """Lifecycle state of a gene or capsule; every change is an ``AssetStateChanged`` event."""

    CANDIDATE = "candidate"
    """Captured and validated once; not yet trusted for unattended reuse."""
    PROMOTED = "promoted"
    """Trusted: preferred for replay."""
    QUARANTINED = "quarantined"
    """Held back (failed replays, imported from a peer); returns by validating again."""
    REVOKED = "revoked"
    """Never replayed again."""
    ARCHIVED = "archived"
    """Superseded; kept for audit, not replayed."""


class TransitionReason(StrEnum):
    """Why an asset changed state (stable codes: stored in events)."""

    PROMOTED_BY_EVIDENCE = "promoted_by_evidence"
    """Enough successes and confidence, blast radius within caps."""
    QUARANTINED_REPEATED_FAILURES = "quarantined_repeated_failures"
    """Replays failed (or humans rejected) several times in a row."""
    QUARANTINED_LOW_CONFIDENCE = "quarantined_low_confidence"
    """Confidence fell below the floor."""
    QUARANTINED_SUSPICIOUS = "quarantined_suspicious"
    """Captured for a person's review: its code reaches into the test runner."""
    RESTORED_BY_VALIDATION = "restored_by_validation"
    """A quarantined asset validated again."""
    REVOKED_BY_COMMAND = "revoked_by_command"
    """Someone revoked it explicitly."""
    ARCHIVED_SUPERSEDED = "archived_superseded"
    """Replaced by a newer asset."""


class EnvFingerprint(Model):
    """The environment a capsule was validated in."""

    image_id: str | None = None
    """Sandbox image id or digest."""
    runtime: dict[str, str] = Field(default_factory=dict)
    """Language/runtime versions, e.g. ``{"python": "3.11.2"}``."""
    lockfile_hashes: dict[str, str] = Field(default_factory=dict)
    """sha256 of each lockfile found in the repository, by path."""
    os: str = ""
    """Operating system inside the sandbox."""
    arch: str = ""
    """CPU architecture."""


class ValidationEvidence(Model):
    """Why we believe a capsule works: a digest of the sandbox receipts."""

    fail_to_pass: list[str] = Field(default_factory=list)
    """Tests that failed on the baseline and passed with the patch."""
    pass_to_pass: list[str] = Field(default_factory=list)
    """Tests that passed on both."""
    stages: dict[str, int | None] = Field(default_factory=dict)
    """Exit code by stage name for the patched run."""
    duration_s: float = 0.0
    """Patched validation wall-clock seconds."""
    apply_step: str | None = None
    """Which patch-apply step applied (strict, 3way, reduced_context)."""
    receipt_hash: str | None = None
    """Content hash of the full receipt."""


class Gene(Model):
    """A problem class, identified by its failure signature."""

    gene_id: str
    """``gene_<hash>`` of the sorted signature."""
    signature: list[str]
    """Sorted strong signals of the failure."""
    strategy_summaries: list[str] = Field(default_factory=list)
    """Short summaries of the strategies its capsules used."""
    constraints: dict[str, str] = Field(default_factory=dict)
    """Constraints that apply to solutions of this class."""


class Capsule(PatchFieldsModel):
    """A validated solution instance for a gene.

    ``diff`` is byte-faithful (CRLF, no final newline, non-UTF-8 text kept; see
    ``evokernel.domain.models.patchtext``).
    """

    capsule_id: str
    """``capsule_<hash>`` of gene id and diff hash."""
    gene_id: str
    """The problem class it solves."""
    diff: str
    """The validated unified diff."""
    diff_hash: str
    """sha256 of the normalised diff."""
    base_rev: str
    """Revision it was validated against."""
    repo_identity: str
    """Repository it was captured in."""
    env: EnvFingerprint = Field(default_factory=EnvFingerprint)
    """Environment it was validated in."""
    blast_radius: BlastRadius = Field(default_factory=BlastRadius)
    """What it touches."""
    evidence: ValidationEvidence = Field(default_factory=ValidationEvidence)
    """Validation evidence."""
    origin_run_id: str
    """The run that produced it."""
    intent: str = ""
    """Intent given by the proposer."""
    capture_seconds: float = 0.0
    """What producing it cost (agent time plus validation), for replay economics."""
    capture_tokens: int | None = None
    """Tokens the agent spent producing it, when known."""
    changed_functions: list[str] = Field(default_factory=list)
    """Functions its patch changed, as ``path::Qualified.name`` (locality: a failure whose
    code-under-test frames reach one of them makes the capsule a candidate). Empty for
    capsules captured before this was recorded; selection then derives them from ``diff``."""


class RebasedVariant(PatchFieldsModel):
    """A capsule's diff as it applied and validated on another tree (lineage ``rebased_from``).

    Kept so that the next replay on that code line applies strictly; it shares the capsule's
    id, gene, state and confidence.
    """

    rebased_from: str
    """The capsule it is a variant of."""
    diff: str
    """The diff as applied to that tree (``git diff`` of the validated worktree)."""
    diff_hash: str
    """sha256 of the normalised diff."""
    base_rev: str
    """Revision it applied to and validated on."""
    apply_step: str | None = None
    """The rung of the apply ladder that applied the capsule's diff there."""
    path_map: dict[str, str] = Field(default_factory=dict)
    """Old path -> new path, for files the ladder found moved."""
    replay_run_id: str
    """The replay that validated it."""
