"""What must be done: the AgentTask and its scope constraints."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, StrictBool, field_validator

from evokernel.domain.models.base import Model
from sandbox import ValidationPlan


class OriginKind(StrEnum):
    """Where a task came from."""

    CLI = "cli"
    DEVLOOP = "devloop"
    GITHUB_ISSUE = "github_issue"
    SCENARIO = "scenario"
    NETWORK = "network"
    MCP = "mcp"


class TaskOrigin(Model):
    """Where a task came from, e.g. GitHub issue 12."""

    kind: OriginKind = OriginKind.CLI
    """Kind of origin."""
    ref: str | None = None
    """Origin reference (issue number, scenario name), if any."""


class ScopeConstraints(Model):
    """Bounds a proposal must stay within (policy; configurable per project)."""

    allowed_paths: list[str] = Field(default_factory=lambda: ["**"])
    """Glob patterns a proposal may touch."""
    forbidden_paths: list[str] = Field(default_factory=list)
    """Glob patterns a proposal may never touch (checked after ``allowed_paths``)."""
    max_files: int = Field(default=20, ge=1)
    """Maximum number of files a proposal may change."""
    max_changed_lines: int = Field(default=500, ge=1)
    """Maximum lines added plus removed."""
    allow_test_edits: StrictBool = False
    """Allow edits to existing tests, conftest.py and test config (reward-hacking guard).
    A strict boolean: ``"yes"`` or ``1`` is refused, never read as true."""


class AgentTask(Model):
    """One thing to do on one repository at one base revision."""

    task_id: str = Field(min_length=1)
    """Stable task id."""
    repo_path: str
    """Local path of the git repository."""
    repo_identity: str
    """Stable repository identity (remote URL or OWNER/NAME), for the same-repository bonus."""
    base_rev: str
    """Commit the task starts from (full sha)."""
    description: str = ""
    """What must be done, in words."""
    declared_signals: list[str] = Field(default_factory=list)
    """Signals the caller declares in addition to detected ones."""
    plan: ValidationPlan = Field(default_factory=ValidationPlan.pytest_default)
    """How to validate a change."""
    scope: ScopeConstraints = Field(default_factory=ScopeConstraints)
    """Scope constraints for proposals."""
    origin: TaskOrigin = Field(default_factory=TaskOrigin)
    """Where the task came from."""

    @field_validator("declared_signals")
    @classmethod
    def _typed_signals(cls, signals: list[str]) -> list[str]:
        """Declared signals are typed ``kind:value`` strings, like detected ones."""
        for signal in signals:
            kind, sep, value = signal.partition(":")
            if not (sep and kind.strip() and value.strip()):
                raise ValueError(f"declared signal {signal!r} is not of the form kind:value")
        return sorted(set(signals))
