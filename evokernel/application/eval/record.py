"""What the driver writes to the store for each instance, and what it finds there on a re-run.

Each instance's verdict is recorded under a run id derived from its content key, in one group
commit: ``TaskReceived``, ``MutationProposed``, then ``ValidationCompleted`` when the patch was
validated and ``MutationRejected`` when it was not accepted. A resolved prediction under
``--capture`` goes through the kernel's capture flow instead (``EvoKernel.capture_validated``),
which records the same run as a capture. A re-run looks these run ids up and validates only the
instances without a final verdict (an infrastructure error is not final).
"""

from __future__ import annotations

from collections.abc import Iterable

from evokernel.application.eval.job import EvalOutcome, InstanceStatus
from evokernel.application.eval.report import InstanceVerdict
from evokernel.application.kernel.evidence import validation_completed
from evokernel.application.kernel.reasons import next_action_for
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    EvolutionEvent,
    MutationProposed,
    MutationRejected,
    TaskReceived,
    ValidationPurpose,
)
from evokernel.domain.models import AgentTask, MutationProposal
from evokernel.domain.models.feedback import ReasonCode

_VERDICT_KINDS = frozenset({"validation_completed", "mutation_rejected", "task_received"})


def verdict_events(
    task: AgentTask, proposal: MutationProposal, outcome: EvalOutcome
) -> list[EvolutionEvent]:
    """The events of one instance's verdict (no capture), as the capture flow would name them."""
    run_id = outcome.run_id
    events: list[EvolutionEvent] = [
        TaskReceived(run_id=run_id, task=task),
        MutationProposed(run_id=run_id, task_id=task.task_id, proposal=proposal),
    ]
    if outcome.patched is not None and outcome.evaluation is not None:
        events.append(
            validation_completed(
                task,
                run_id,
                ValidationPurpose.PATCHED,
                outcome.patched,
                outcome.evaluation,
                outcome.reason_code,
                attempt=1,
            )
        )
    if outcome.status is not InstanceStatus.RESOLVED:
        events.append(
            MutationRejected(
                run_id=run_id,
                task_id=task.task_id,
                reason_code=outcome.reason_code,
                next_action=next_action_for(outcome.reason_code),
                detail=outcome.detail[:2000],
                failing_tests=_failing(outcome),
            )
        )
    return events


def _failing(outcome: EvalOutcome) -> list[str]:
    evaluation = outcome.evaluation
    if evaluation is None:
        return []
    return sorted({*evaluation.still_failing, *evaluation.regressions})


def recorded_verdicts(
    repository: EvolutionRepository, runs: dict[str, tuple[str, str]]
) -> dict[str, InstanceVerdict]:
    """The final verdicts already in the store for ``runs`` (run id -> (instance id, model)).

    One pass over the log; a run whose last verdict is an infrastructure error is left out,
    so it is validated again.
    """
    seen: dict[str, dict[str, object]] = {}
    for record in repository.records(_VERDICT_KINDS):
        if record.kind not in _VERDICT_KINDS:
            continue
        run_id = record.payload.get("run_id")
        if not isinstance(run_id, str) or run_id not in runs:
            continue
        state = seen.setdefault(run_id, {})
        if record.kind == "task_received":
            state.clear()  # a later attempt of the same run starts over
        else:
            state[record.kind] = record.payload
    found: dict[str, InstanceVerdict] = {}
    for run_id, state in seen.items():
        status, code, detail = _status_of(state)
        if status is None or status is InstanceStatus.ERROR:
            continue
        instance_id, model = runs[run_id]
        found[run_id] = InstanceVerdict(
            instance_id=instance_id,
            model_name=model,
            status=status,
            reason_code=code,
            detail=detail,
            run_id=run_id,
            resumed=True,
        )
    return found


def _status_of(state: dict[str, object]) -> tuple[InstanceStatus | None, str, str]:
    validated = state.get("validation_completed")
    rejected = state.get("mutation_rejected")
    if isinstance(validated, dict):
        code = str(validated.get("reason_code", ReasonCode.UNKNOWN.value))
        if validated.get("passed"):
            return InstanceStatus.RESOLVED, code, "recorded by an earlier run"
        if validated.get("infra_failure"):
            return InstanceStatus.ERROR, code, ""
        return InstanceStatus.UNRESOLVED, code, "recorded by an earlier run"
    if isinstance(rejected, dict):
        code = str(rejected.get("reason_code", ReasonCode.UNKNOWN.value))
        status = (
            InstanceStatus.EMPTY_PATCH
            if code == ReasonCode.EMPTY_DIFF.value
            else InstanceStatus.UNRESOLVED
        )
        return status, code, str(rejected.get("detail", ""))
    return None, "", ""


def run_ids_of(outcomes: Iterable[EvalOutcome]) -> set[str]:
    """The run ids of ``outcomes``."""
    return {outcome.run_id for outcome in outcomes}
