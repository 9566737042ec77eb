"""sandbox: isolated validation of untrusted patches (leaf package; never imports evokernel)."""

from __future__ import annotations

from sandbox.base import Sandbox, SandboxSession
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
from sandbox.models import BlastRadius, ExecRequest, ExecResult, Limits, SessionSpec
from sandbox.plan import Expectations, Stage, StageKind, ValidationPlan

__all__ = [
    "BlastRadius",
    "EngineUnavailableError",
    "ExecRequest",
    "ExecResult",
    "Expectations",
    "ImageBuildError",
    "ImageNotFoundError",
    "JUnitParseError",
    "Limits",
    "PatchApplyError",
    "PatchRefusedError",
    "Sandbox",
    "SandboxConfigError",
    "SandboxError",
    "SandboxSession",
    "SessionError",
    "SessionSpec",
    "Stage",
    "StageKind",
    "ValidationPlan",
    "WorkspaceError",
]
