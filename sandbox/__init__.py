"""sandbox: isolated validation of untrusted patches (leaf package; never imports evokernel).

Start with ``Validator`` (runs a plan in one session of a backend and returns a ``Receipt``)
and ``validate_patch`` (worktree, path safety, patch fallback chain, validation, clean-up).
Backends: ``make_sandbox(DockerSandboxConfig(...) | LocalSandboxConfig(...))``. Importing
this package does not import the Docker SDK.
"""

from __future__ import annotations

from sandbox._unidiff import DiffSyntaxError, git_line_names, read_name
from sandbox.base import Sandbox, SandboxSession
from sandbox.classify import Judgement, judge_run, judge_stage
from sandbox.config import (
    DockerSandboxConfig,
    LocalSandboxConfig,
    SandboxConfig,
    make_sandbox,
)
from sandbox.diskcap import DiskCap, DiskUsage
from sandbox.doctor import CheckStatus, DoctorCheck, DoctorReport, run_doctor
from sandbox.errors import (
    EngineUnavailableError,
    ImageBuildError,
    ImageNotFoundError,
    JUnitParseError,
    PatchApplyError,
    PatchRefusedError,
    SandboxConfigError,
    SandboxError,
    SessionError,
    WorkspaceError,
)
from sandbox.evaluate import Evaluation, evaluate
from sandbox.globs import compile_glob
from sandbox.images import (
    ImageAction,
    ImageBuildConfig,
    ImageReport,
    ensure_configured_image,
    ensure_image,
)
from sandbox.junit import TestOutcome, parse_junit
from sandbox.local import LocalSandbox
from sandbox.models import BlastRadius, ExecRequest, ExecResult, Limits, SessionSpec
from sandbox.oneshot import command_plan, validate_once
from sandbox.patch import ApplyAttempt, ApplyResult, ApplyStep, apply_patch
from sandbox.pathsafety import (
    ChangeKind,
    DiffFile,
    PatchPolicy,
    RefusalReason,
    check_diff,
    diff_paths,
)
from sandbox.pipeline import validate_baseline, validate_patch
from sandbox.plan import Expectations, Stage, StageKind, ValidationPlan
from sandbox.receipt import (
    FailureClass,
    JUnitStatus,
    Receipt,
    StageResult,
    Verdict,
    VerdictReason,
)
from sandbox.validator import Validator
from sandbox.workspace import (
    Workspace,
    Workspaces,
    WorktreeSnapshot,
    blast_radius,
    changed_by_run,
    snapshot,
)

__all__ = [
    "ApplyAttempt",
    "ApplyResult",
    "ApplyStep",
    "BlastRadius",
    "ChangeKind",
    "CheckStatus",
    "DiffFile",
    "DiffSyntaxError",
    "DiskCap",
    "DiskUsage",
    "DockerSandboxConfig",
    "DoctorCheck",
    "DoctorReport",
    "EngineUnavailableError",
    "Evaluation",
    "ExecRequest",
    "ExecResult",
    "Expectations",
    "FailureClass",
    "ImageAction",
    "ImageBuildConfig",
    "ImageBuildError",
    "ImageNotFoundError",
    "ImageReport",
    "JUnitParseError",
    "JUnitStatus",
    "Judgement",
    "Limits",
    "LocalSandbox",
    "LocalSandboxConfig",
    "PatchApplyError",
    "PatchPolicy",
    "PatchRefusedError",
    "Receipt",
    "RefusalReason",
    "Sandbox",
    "SandboxConfig",
    "SandboxConfigError",
    "SandboxError",
    "SandboxSession",
    "SessionError",
    "SessionSpec",
    "Stage",
    "StageKind",
    "StageResult",
    "TestOutcome",
    "ValidationPlan",
    "Validator",
    "Verdict",
    "VerdictReason",
    "Workspace",
    "WorkspaceError",
    "Workspaces",
    "WorktreeSnapshot",
    "apply_patch",
    "blast_radius",
    "changed_by_run",
    "check_diff",
    "command_plan",
    "compile_glob",
    "diff_paths",
    "ensure_configured_image",
    "ensure_image",
    "evaluate",
    "git_line_names",
    "judge_run",
    "judge_stage",
    "make_sandbox",
    "parse_junit",
    "read_name",
    "run_doctor",
    "snapshot",
    "validate_baseline",
    "validate_once",
    "validate_patch",
]
