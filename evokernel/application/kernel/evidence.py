"""The digest of a validation that events and capsules carry, computed once per receipt.

A receipt can hold megabytes of capped logs, so its content hash is taken once and shared by
the ``ValidationCompleted`` event, the evidence a capsule carries and ``ReplayAttempted``.
"""

from __future__ import annotations

from evokernel.application.kernel.results import Detection
from evokernel.domain.events import (
    EvolutionEvent,
    SignalsDetected,
    TaskReceived,
    ValidationCompleted,
    ValidationPurpose,
)
from evokernel.domain.models import AgentTask, ValidationEvidence
from evokernel.domain.models.feedback import ReasonCode
from sandbox import Evaluation, Receipt


def evidence_of(
    receipt: Receipt,
    fail_to_pass: list[str],
    pass_to_pass: list[str],
    receipt_hash: str | None = None,
) -> ValidationEvidence:
    """The digest of a receipt a capsule carries (``receipt_hash`` when already computed)."""
    return ValidationEvidence(
        fail_to_pass=fail_to_pass,
        pass_to_pass=pass_to_pass,
        stages={stage.name: stage.exit_code for stage in receipt.stages},
        duration_s=receipt.duration_s,
        apply_step=receipt.apply_step.value if receipt.apply_step else None,
        receipt_hash=receipt_hash or receipt.content_hash(),
    )


def validation_completed(
    task: AgentTask,
    run_id: str,
    purpose: ValidationPurpose,
    receipt: Receipt,
    evaluation: Evaluation,
    reason: ReasonCode,
    *,
    attempt: int = 0,
    capsule_id: str | None = None,
) -> ValidationCompleted:
    """The event for one judged validation (patched proposal or replayed capsule)."""
    digest = receipt.content_hash()
    return ValidationCompleted(
        run_id=run_id,
        task_id=task.task_id,
        purpose=purpose,
        attempt=attempt,
        passed=reason is ReasonCode.ACCEPTED,
        infra_failure=reason is ReasonCode.INFRA_FAILURE,
        reason_code=reason,
        capsule_id=capsule_id,
        duration_s=receipt.duration_s,
        receipt_hash=digest,
        evidence=evidence_of(receipt, evaluation.fail_to_pass, evaluation.pass_to_pass, digest),
    )


def task_detected(run_id: str, task: AgentTask, detection: Detection) -> list[EvolutionEvent]:
    """The events that open a run: the task, and what its baseline showed."""
    return [
        TaskReceived(run_id=run_id, task=task),
        SignalsDetected(
            run_id=run_id,
            task_id=task.task_id,
            signals=detection.signals,
            signature=detection.signature,
            failing_tests=detection.failing_tests,
            receipt_hash=detection.receipt.content_hash(),
        ),
    ]
