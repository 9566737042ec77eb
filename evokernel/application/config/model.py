"""The configuration model: one root, one section per concern, unknown keys refused.

Adding a section is one line in ``EvoConfig`` (a field whose default is the section's
defaults); every source, ``evokernel config show`` and docs/configuration.md pick it up.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, StrictBool

from evokernel.application.config.agents import AgentsConfig
from evokernel.application.economics import EconomicsConfig
from evokernel.domain.confidence import ConfidenceConfig
from evokernel.domain.governor import GovernorConfig
from evokernel.domain.guards import GuardConfig
from evokernel.domain.models import Model, ScopeConstraints
from evokernel.domain.selection import ReplayConfig, SelectionConfig
from evokernel.logs import LogFormat
from sandbox import DockerSandboxConfig, SandboxConfig, ValidationPlan
from store import DEFAULT_MAX_RECORD_BYTES, Durability


class Section(Model):
    """Base of every configuration section: frozen, documented, unknown keys are errors."""


class LogLevel(StrEnum):
    """Threshold of log records shown."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class StoreConfig(Section):
    """Where the evolution store lives and how appends are made durable."""

    path: Path = Path(".evokernel/store")
    """Store directory; relative paths are taken from the repository root (or, for a CLI flag
    or environment variable, from the current directory)."""
    durability: Durability = Durability.FSYNC
    """``fsync``: every append is fsynced before it returns; ``batch``: group commit."""
    snapshots: bool = True
    """Cache the evolution view in a snapshot next to the log and catch up from it."""
    max_record_bytes: int = Field(default=DEFAULT_MAX_RECORD_BYTES, ge=4096, le=1 << 30)
    """Largest record (one log line) an append may write; a larger one is refused with
    ``StoreRecordTooLargeError`` before anything is written."""
    snapshot_every: int = Field(default=1_000, ge=1)
    """Records between two view snapshots a writer saves (it also saves one on close)."""


class LogConfig(Section):
    """Logging of the ``evokernel`` command (library code never configures logging)."""

    level: LogLevel = LogLevel.WARNING
    """Threshold; ``-v`` lowers it to INFO, ``-vv`` to DEBUG, ``-q`` raises it to ERROR."""
    format: LogFormat = LogFormat.TEXT
    """``text`` or ``json`` (``--log-format``)."""


_SCOPE = ScopeConstraints()


class PolicyConfig(Section):
    """Bounds on what a proposal may change and what a run may spend (per project)."""

    allowed_paths: list[str] = Field(default_factory=lambda: list(_SCOPE.allowed_paths))
    """Glob patterns a proposal may touch."""
    forbidden_paths: list[str] = Field(default_factory=lambda: list(_SCOPE.forbidden_paths))
    """Glob patterns a proposal may never touch (checked after ``allowed_paths``)."""
    max_files: int = Field(default=_SCOPE.max_files, ge=1)
    """Maximum number of files a proposal may change."""
    max_changed_lines: int = Field(default=_SCOPE.max_changed_lines, ge=1)
    """Maximum lines added plus removed."""
    allow_test_edits: StrictBool = _SCOPE.allow_test_edits
    """Allow edits to existing tests, conftest.py and test configuration (a strict boolean:
    ``"yes"`` or ``1`` is refused)."""
    max_attempts: int = Field(default=3, ge=1)
    """Agent proposals tried per run before giving up."""
    time_budget_s: float = Field(default=1800.0, gt=0)
    """Wall-clock budget of one run, replay and agent attempts included."""
    max_agent_tokens: int | None = Field(default=None, ge=1)
    """Agent tokens (in plus out, as reported) one run may spend; unset means no cap."""
    validation_plan: ValidationPlan | None = None
    """The project's validation plan; ``None`` runs pytest in the repository."""

    def scope(self) -> ScopeConstraints:
        """The scope constraints a task of this project carries."""
        return ScopeConstraints(
            allowed_paths=self.allowed_paths,
            forbidden_paths=self.forbidden_paths,
            max_files=self.max_files,
            max_changed_lines=self.max_changed_lines,
            allow_test_edits=self.allow_test_edits,
        )


class EvoConfig(Section):
    """Everything EvoKernel can be configured with. One field per section."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    """The evolution store."""
    sandbox: SandboxConfig = Field(default_factory=DockerSandboxConfig)
    """The sandbox backend (``kind = "docker"`` or ``"local"``) and its settings."""
    log: LogConfig = Field(default_factory=LogConfig)
    """Logging of the command-line tool."""
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    """Scope and budget limits for proposals and runs."""
    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    """How replay candidates are found and ranked."""
    replay: ReplayConfig = Field(default_factory=ReplayConfig)
    """How many locality candidates (below the similarity thresholds) a replay may try."""
    confidence: ConfidenceConfig = Field(default_factory=ConfidenceConfig)
    """How capsule confidence is derived from evidence (half-life, weights)."""
    governor: GovernorConfig = Field(default_factory=GovernorConfig)
    """When capsules are promoted, quarantined and restored."""
    guard: GuardConfig = Field(default_factory=GuardConfig)
    """The reward-hacking guard: edits to existing tests and test configuration."""
    agents: AgentsConfig = Field(default_factory=AgentsConfig)
    """The command and chat agent adapters."""
    economics: EconomicsConfig = Field(default_factory=EconomicsConfig)
    """Ledger amounts (stake, reward, penalty, saving) and publisher reputation."""
