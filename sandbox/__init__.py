"""sandbox: isolated validation of untrusted patches (leaf package; never imports evokernel).

Start with ``Validator`` (runs a plan in one session of a backend and returns a ``Receipt``)
and ``validate_patch`` (worktree, path safety, the re-anchoring apply ladder, validation,
clean-up).
Backends: ``make_sandbox(DockerSandboxConfig(...) | LocalSandboxConfig(...))``. Importing
this package does not import the Docker SDK nor GitPython: the Docker backend and its tools live
in ``sandbox.docker`` and load the SDK on first use.

Other packages import from here, never from a module (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox._diffnames import DiffSyntaxError, git_line_names, read_name
from sandbox._lazy import load_export as _load_export
from sandbox._unidiff import DiffProblem, FilePatch, ParsedPatch, PatchHunk, parse_patch
from sandbox.base import Sandbox, SandboxSession
from sandbox.classify import Judgement, judge_run, judge_stage
from sandbox.config import (
    DEFAULT_IMAGE,
    DockerSandboxConfig,
    LocalSandboxConfig,
    SandboxConfig,
)
from sandbox.diskcap import DiskCap, DiskUsage
from sandbox.docker import _EXPORTS as _DOCKER_EXPORTS
from sandbox.docker.client import ClientFactory, docker_client_factory, inspect_image
from sandbox.docker.doctor import CheckStatus, DoctorCheck, DoctorReport, run_doctor
from sandbox.docker.images import (
    ImageAction,
    ImageBuildConfig,
    ImageReport,
    ensure_configured_image,
    ensure_image,
)
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
    WorkspaceInputError,
)
from sandbox.evaluate import Evaluation, evaluate
from sandbox.factory import make_sandbox
from sandbox.globs import compile_glob
from sandbox.harness import HarnessPolicy, HarnessReset, reset_harness
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
    read_file_nofollow,
)
from sandbox.pipeline import (
    PatchValidation,
    validate_baseline,
    validate_patch,
    validate_patch_applied,
)
from sandbox.plan import Expectations, Stage, StageKind, ValidationPlan
from sandbox.receipt import (
    FAILING_OUTCOMES,
    FailureClass,
    JUnitStatus,
    Receipt,
    StageResult,
    Verdict,
    VerdictReason,
)
from sandbox.shadowing import (
    RUNNER_MODULES,
    ShadowingModule,
    shadowing_modules,
    top_level_names,
)
from sandbox.validator import Validator
from sandbox.workspace import (
    Workspace,
    Workspaces,
    WorktreeSnapshot,
    applied_change,
    blast_radius,
    changed_by_run,
    snapshot,
    worktree_diff,
)
from sandbox.worktree_remover import WorktreeRemover, drain_worktree_removals

if TYPE_CHECKING:  # the Docker backend's names load on first use: they import the SDK
    from sandbox.docker import (
        DockerSandbox,
        DockerSession,
        EnvSetupError,
        ensure_env_image,
        env_image_key,
    )

_EXPORTS: dict[str, str] = dict(_DOCKER_EXPORTS)
"""Names that load on first use (PEP 562), so that ``import sandbox`` stays free of the SDK."""


def __getattr__(name: str) -> Any:
    return _load_export(globals(), _EXPORTS, name)


__all__ = [
    "DEFAULT_IMAGE",
    "FAILING_OUTCOMES",
    "RUNNER_MODULES",
    "ApplyAttempt",
    "ApplyResult",
    "ApplyStep",
    "BlastRadius",
    "ChangeKind",
    "CheckStatus",
    "ClientFactory",
    "DiffFile",
    "DiffProblem",
    "DiffSyntaxError",
    "DiskCap",
    "DiskUsage",
    "DockerSandbox",
    "DockerSandboxConfig",
    "DockerSession",
    "DoctorCheck",
    "DoctorReport",
    "EngineUnavailableError",
    "EnvSetupError",
    "Evaluation",
    "ExecRequest",
    "ExecResult",
    "Expectations",
    "FailureClass",
    "FilePatch",
    "HarnessPolicy",
    "HarnessReset",
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
    "ParsedPatch",
    "PatchApplyError",
    "PatchHunk",
    "PatchPolicy",
    "PatchRefusedError",
    "PatchValidation",
    "Receipt",
    "RefusalReason",
    "Sandbox",
    "SandboxConfig",
    "SandboxConfigError",
    "SandboxError",
    "SandboxSession",
    "SessionError",
    "SessionSpec",
    "ShadowingModule",
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
    "WorkspaceInputError",
    "Workspaces",
    "WorktreeRemover",
    "WorktreeSnapshot",
    "applied_change",
    "apply_patch",
    "blast_radius",
    "changed_by_run",
    "check_diff",
    "command_plan",
    "compile_glob",
    "diff_paths",
    "docker_client_factory",
    "drain_worktree_removals",
    "ensure_configured_image",
    "ensure_env_image",
    "ensure_image",
    "env_image_key",
    "evaluate",
    "git_line_names",
    "inspect_image",
    "judge_run",
    "judge_stage",
    "make_sandbox",
    "parse_junit",
    "parse_patch",
    "read_file_nofollow",
    "read_name",
    "reset_harness",
    "run_doctor",
    "shadowing_modules",
    "snapshot",
    "top_level_names",
    "validate_baseline",
    "validate_once",
    "validate_patch",
    "validate_patch_applied",
    "worktree_diff",
]
