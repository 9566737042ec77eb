"""The kernel: capture, replay-first reuse, feedback and the solve loop behind one facade."""

from __future__ import annotations

from evokernel.application.kernel.context import (
    KernelContext,
    KernelSettings,
    caught_up,
    new_run_id,
)
from evokernel.application.kernel.facade import EvoKernel
from evokernel.application.kernel.feedback import feedback_for_agent
from evokernel.application.kernel.results import (
    CandidateScore,
    CaptureReport,
    CaptureResult,
    Detection,
    Landing,
    ReplayDecision,
    SolveOutcome,
    SolveResult,
    TestChange,
    TestVerdict,
    ValidationResult,
)

__all__ = [
    "CandidateScore",
    "CaptureReport",
    "CaptureResult",
    "Detection",
    "EvoKernel",
    "KernelContext",
    "KernelSettings",
    "Landing",
    "ReplayDecision",
    "SolveOutcome",
    "SolveResult",
    "TestChange",
    "TestVerdict",
    "ValidationResult",
    "caught_up",
    "feedback_for_agent",
    "new_run_id",
]
