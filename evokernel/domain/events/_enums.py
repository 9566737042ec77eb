"""Small vocabularies used by several events (kinds are literals; these are their values)."""

from __future__ import annotations

from enum import StrEnum


class AssetType(StrEnum):
    """Which kind of asset an event is about."""

    GENE = "gene"
    """A problem class."""
    CAPSULE = "capsule"
    """A validated solution instance."""


class ValidationPurpose(StrEnum):
    """Why a validation ran."""

    BASELINE = "baseline"
    """The task's plan on the unpatched base revision (detect)."""
    PATCHED = "patched"
    """An agent's proposal applied to the base revision."""
    REPLAY = "replay"
    """A stored capsule re-applied to the task's base revision."""
    REGRESSION_UNFIXED = "regression_unfixed"
    """A proposal's new regression tests on the unfixed code (they must fail); ``passed``
    says whether the proof held."""
    REGRESSION_FIXED = "regression_fixed"
    """A proposal's new regression tests with its fix (they must pass); ``passed`` says
    whether the proof held."""


class ReplayOutcome(StrEnum):
    """How one replay attempt of one capsule ended."""

    HIT = "hit"
    """The capsule applied and the task's plan validated: reuse."""
    APPLY_FAILED = "apply_failed"
    """No step of the apply fallback chain applied the capsule's diff to the new code."""
    VALIDATION_FAILED = "validation_failed"
    """The capsule applied but validation failed because of the patch."""
    INFRA_FAILED = "infra_failed"
    """The sandbox failed (timeout, OOM, engine); says nothing about the capsule."""
    SKIPPED = "skipped"
    """Not tried (budget exhausted, an earlier candidate won, policy refused it)."""


class ApprovalDecision(StrEnum):
    """A person's verdict on a validated change."""

    APPROVE = "approve"
    """Land it (devloop approval, merged pull request)."""
    REJECT = "reject"
    """Do not land it (devloop rejection, pull request closed unmerged)."""


class ApprovalSource(StrEnum):
    """Where a verdict was given."""

    DEVLOOP = "devloop"
    """The supervised devloop's approval step."""
    GITHUB = "github"
    """A pull request merged or closed on GitHub."""


class DeliveryState(StrEnum):
    """One step of getting a validated change to where people can see it."""

    BRANCH_CREATED = "branch_created"
    """A branch for the change exists."""
    COMMITTED = "committed"
    """The change is committed on that branch."""
    PUSHED = "pushed"
    """The branch is pushed to the remote."""
    ISSUE_OPENED = "issue_opened"
    """An issue was opened for a detected failure."""
    ISSUE_COMMENTED = "issue_commented"
    """The issue received the loop's comment."""
    PR_OPENED = "pr_opened"
    """A pull request was opened."""
    PR_MERGED = "pr_merged"
    """The pull request was merged."""
    PR_CLOSED = "pr_closed"
    """The pull request was closed without merging."""


class LedgerEntryKind(StrEnum):
    """What a ledger entry accounts for."""

    STAKE = "stake"
    """Credits staked when publishing an asset (negative amount)."""
    REWARD = "reward"
    """Credits earned when a published asset was reused successfully."""
    PENALTY = "penalty"
    """Credits lost when a published asset failed on reuse (negative amount)."""
    SAVING = "saving"
    """What a local reuse saved (informational; amount in credits)."""
