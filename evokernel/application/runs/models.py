"""Runs as first-class objects: what ``evokernel runs list`` and ``runs show`` return."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from evokernel.domain.models import Model


class RunOutcome(StrEnum):
    """How a run ended, as the store tells it."""

    CAPTURED = "captured"
    """An agent's proposal validated and became a capsule."""
    REPLAYED = "replayed"
    """A stored capsule validated; no agent was needed."""
    REJECTED = "rejected"
    """Every proposal was rejected (tests failed, guard refused, budget spent)."""
    MISSED = "missed"
    """Replay only, and no capsule validated."""
    INTERRUPTED = "interrupted"
    """Stopped by Ctrl-C or a signal before it finished."""
    OPEN = "open"
    """Nothing says how it ended (still running, or killed without a trace)."""


class RunSummary(Model):
    """One run, in a line."""

    run_id: str
    """The run."""
    started: datetime
    """Time of its first record."""
    last: datetime
    """Time of its last record."""
    task_id: str | None = None
    """The task it worked on."""
    repo: str | None = None
    """The repository's identity (from the task)."""
    description: str = ""
    """The task's words."""
    outcome: RunOutcome = RunOutcome.OPEN
    """How it ended."""
    capsule_id: str | None = None
    """The capsule it captured or reused."""
    original_run_id: str | None = None
    """For a replay: the run that produced the reused capsule."""
    reused_by: list[str] = Field(default_factory=list)
    """Runs that reused the capsule this run captured."""
    agent_calls: int = 0
    """Agent calls it made."""
    records: int = 0
    """Store records that belong to it."""


class TimelineEntry(Model):
    """One step of a run, from one store record."""

    seq: int
    """The record's sequence number."""
    ts: datetime
    """When it was recorded."""
    kind: str
    """The event kind."""
    summary: str
    """What happened, in words."""
    payload: dict[str, Any] = Field(default_factory=dict)
    """The record's payload (everything the store holds)."""


class RunTimeline(Model):
    """A run and every step it took, oldest first, with the runs it is linked to."""

    run: RunSummary
    """The run."""
    entries: list[TimelineEntry] = Field(default_factory=list)
    """Its steps."""
    diff: str | None = None
    """The diff it captured, reused or landed, when it has one."""
