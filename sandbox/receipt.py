"""The sandbox receipt: what one validation run produced, judged.

A receipt is data, produced by the runtime and the Validator, never by the code under test:
per-stage exit codes, durations and capped logs, per-test outcomes, and a verdict with the
class of failure (``patch``: the code under validation is at fault; ``infra``: the sandbox
is, so the run says nothing about the code). Its ``content_hash()`` goes into evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from sandbox.junit import TestOutcome
from sandbox.models import BlastRadius
from sandbox.patch import ApplyStep
from sandbox.plan import StageKind
from store import content_hash as _content_hash

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

FAILING_OUTCOMES = frozenset({TestOutcome.FAILED, TestOutcome.ERROR})
"""Outcomes that count as a failing test."""


class Verdict(StrEnum):
    """The judgement of a run."""

    PASS = "pass"
    """Every stage succeeded and there is evidence that tests ran and passed."""
    FAIL = "fail"
    """The code under validation failed (tests, build, lint, no test evidence)."""
    ERROR = "error"
    """The sandbox could not judge (timeout, OOM, engine error, image missing)."""


class FailureClass(StrEnum):
    """Whose fault a failure is; infra failures never count against a patch."""

    NONE = "none"
    """No failure."""
    PATCH = "patch"
    """The code under validation (the patched tree, or the baseline when there is no patch)."""
    INFRA = "infra"
    """The sandbox: timeout, OOM kill, engine or session error, image missing."""


class VerdictReason(StrEnum):
    """A stable code for why a run or an evaluation got its verdict."""

    PASSED = "passed"
    """All good."""
    SETUP_FAILED = "setup_failed"
    """A setup stage exited non-zero."""
    BUILD_FAILED = "build_failed"
    """A build stage exited non-zero."""
    LINT_FAILED = "lint_failed"
    """A lint stage exited non-zero."""
    TESTS_FAILED = "tests_failed"
    """Tests failed (parsed), or a test stage exited non-zero; in an evaluation: tests that
    had to pass do not."""
    REGRESSION = "regression"
    """Evaluation: tests that passed on the baseline do not pass with the patch."""
    EXIT_CODE_MISMATCH = "exit_code_mismatch"
    """The exit code and the parsed results disagree (exit 0 with failures, or the reverse)."""
    NO_TEST_EVIDENCE = "no_test_evidence"
    """No evidence that any test ran (no report, no tests, all skipped, pytest exit 5)."""
    JUNIT_UNREADABLE = "junit_unreadable"
    """The JUnit report was present but could not be parsed."""
    TIMEOUT = "timeout"
    """A stage hit its wall-clock timeout and was killed."""
    OOM_KILLED = "oom_killed"
    """A stage was killed by the memory limit."""
    SANDBOX_ERROR = "sandbox_error"
    """The engine or session failed while running a stage."""
    IMAGE_MISSING = "image_missing"
    """The sandbox image is absent."""
    DISK_QUOTA = "disk_quota"
    """A stage filled the workspace's disk cap (bytes or files)."""


class JUnitStatus(StrEnum):
    """What became of a parsed stage's JUnit report."""

    PARSED = "parsed"
    """Read and parsed; per-test outcomes are on the stage."""
    MISSING = "missing"
    """No report was written (or it was a symlink or not a regular file)."""
    UNREADABLE = "unreadable"
    """A report was there but too big or not a JUnit XML document."""


class StageResult(BaseModel):
    """What one stage did."""

    model_config = _MODEL_CONFIG

    name: str
    """Stage name from the plan."""
    kind: StageKind
    """Setup, build, lint or test."""
    command: list[str]
    """The argument vector actually run (with any injected JUnit options)."""
    exit_code: int | None
    """Exit status from the runtime; ``None`` when killed by us or never started."""
    duration_s: float
    """Wall-clock seconds."""
    stdout: str = ""
    """Standard output, capped (head and tail kept)."""
    stderr: str = ""
    """Standard error, capped the same way."""
    stdout_dropped_bytes: int = 0
    """Bytes cut from the middle of stdout."""
    stderr_dropped_bytes: int = 0
    """Bytes cut from the middle of stderr."""
    timed_out: bool = False
    """Killed at its wall-clock timeout."""
    oom_killed: bool = False
    """Killed by the memory limit."""
    disk_quota_reached: bool = False
    """The workspace was full (its disk cap in bytes or files) when the stage ended."""
    junit_status: JUnitStatus | None = None
    """For a stage whose JUnit report is read: parsed, missing or unreadable."""
    tests: dict[str, TestOutcome] | None = None
    """Per-test outcomes parsed from JUnit XML; ``None`` unless ``junit_status`` is parsed."""
    junit_error: str | None = None
    """Why the JUnit report could not be used, when it could not."""
    sandbox_error: str | None = None
    """The engine or session error that stopped this stage, if any."""


class Receipt(BaseModel):
    """The judged outcome of one validation run."""

    model_config = _MODEL_CONFIG

    run_id: str | None = None
    """The run this validation belongs to."""
    stages: list[StageResult] = Field(default_factory=list)
    """Stages that ran, in order; a failing stage stops the plan, so later ones are absent."""
    tests: dict[str, TestOutcome] = Field(default_factory=dict)
    """Per-test outcomes across all parsed stages (the worse outcome when a test repeats)."""
    verdict: Verdict
    """Pass, fail or error."""
    failure_class: FailureClass
    """None, patch or infra."""
    reason_code: VerdictReason
    """Stable code for the verdict."""
    reason: str
    """One human-readable sentence."""
    failed_stage: str | None = None
    """Name of the stage that decided a failure."""
    skipped_stages: list[str] = Field(default_factory=list)
    """Planned stages that did not run because an earlier one failed."""
    backend: str = ""
    """Sandbox backend name (``docker``, ``local``)."""
    isolated: bool = True
    """Whether the backend isolates (False for the local backend)."""
    image_id: str | None = None
    """Image id or digest the session ran in, when the backend has one."""
    apply_step: ApplyStep | None = None
    """Which rung of the apply ladder applied; ``None`` for a baseline run."""
    blast_radius: BlastRadius | None = None
    """What the patch changed, measured after apply and before the run."""
    files_changed_by_run: list[str] = Field(default_factory=list)
    """Files present before the run that the run itself modified or deleted."""
    duration_s: float = 0.0
    """Wall-clock seconds for the whole validation."""
    started_at: datetime | None = None
    """When the validation started (UTC)."""

    @property
    def passed(self) -> bool:
        """``verdict == Verdict.PASS``."""
        return self.verdict is Verdict.PASS

    @property
    def failing_tests(self) -> list[str]:
        """Node ids that failed or errored, sorted."""
        return sorted(t for t, outcome in self.tests.items() if outcome in FAILING_OUTCOMES)

    @property
    def passing_tests(self) -> list[str]:
        """Node ids that passed, sorted."""
        return sorted(t for t, outcome in self.tests.items() if outcome is TestOutcome.PASSED)

    def content_hash(self) -> str:
        """sha256 of the receipt's canonical JSON (sorted keys), for evidence records.

        Computed once per receipt: a receipt carries up to a megabyte of log per stream and
        stage, and one validation's receipt is hashed into several events.
        """
        return self._digest

    @cached_property
    def _digest(self) -> str:
        # Kept in the instance __dict__, which pydantic leaves out of dumps and equality.
        return _content_hash(self.model_dump(mode="json"))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, as ``BaseModel.model_copy``; the copy hashes its own content."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("_digest", None)
        return copied
