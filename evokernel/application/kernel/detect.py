"""Detect: run the task's plan on its base revision and turn the failure into signals."""

from __future__ import annotations

import logging
from pathlib import Path

from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.fingerprint import file_reader
from evokernel.application.kernel.results import Detection
from evokernel.domain.models import AgentTask
from evokernel.domain.signals import extract_signals, failure_signature, frame_signals
from evokernel.domain.signals.frames import ReadFile
from sandbox import Receipt, validate_baseline

logger = logging.getLogger(__name__)

_EXCERPT_LINES = 60


def detect(ctx: KernelContext, task: AgentTask, run_id: str) -> Detection:
    """Validate the base revision and extract normalized signals (declared ones merged in).

    Raises:
        WorkspaceError: the repository or revision is bad.
        SandboxError: the sandbox could not run at all.
    """
    receipt = validate_baseline(
        Path(task.repo_path),
        task.base_rev,
        task.plan,
        ctx.validator,
        run_id=run_id,
        workspace_root=ctx.workspace_root,
    )
    detection = detection_from_receipt(
        task,
        receipt,
        ctx.settings.log_excerpt_chars,
        file_reader(Path(task.repo_path), task.base_rev),
    )
    logger.info(
        "baseline %s: %d failing test(s), signature %s",
        receipt.verdict.value,
        len(detection.failing_tests),
        ", ".join(detection.signature) or "(none)",
    )
    return detection


def detection_from_receipt(
    task: AgentTask, receipt: Receipt, excerpt_chars: int, read_file: ReadFile | None = None
) -> Detection:
    """Signals, signature, failing tests and excerpts of a baseline receipt.

    ``read_file`` reads the task's files at its base revision: it qualifies code-under-test
    frames (``calc.py::Cart.total``); without it frames keep the name the traceback prints.
    """
    texts: dict[str, str] = {}
    for stage in receipt.stages:
        texts[f"{stage.name}:stdout"] = stage.stdout
        texts[f"{stage.name}:stderr"] = stage.stderr
    outcomes = {test: outcome.value for test, outcome in receipt.tests.items()}
    detected: list[str] = []
    if not receipt.passed:
        detected = extract_signals(texts, outcomes)
        detected += [str(s) for s in frame_signals(texts.values(), read_file)]
    signals = sorted(set(detected) | set(task.declared_signals))
    return Detection(
        receipt=receipt,
        signals=signals,
        signature=failure_signature(signals),
        failing_tests=receipt.failing_tests,
        log_excerpts=log_excerpts(receipt, excerpt_chars),
    )


def log_excerpts(receipt: Receipt, max_chars: int) -> list[str]:
    """The tail of the failing stage's output, capped: what an agent most needs to see."""
    stage = next((s for s in receipt.stages if s.name == receipt.failed_stage), None)
    if stage is None:
        return []
    excerpts = []
    for text in (stage.stdout, stage.stderr):
        lines = text.strip().splitlines()[-_EXCERPT_LINES:]
        excerpt = "\n".join(lines)[-max_chars:]
        if excerpt:
            excerpts.append(excerpt)
    return excerpts
