"""Landing a captured change on its branch (``run --apply``), failures recorded as events.

A replay lands inside ``replay`` (before its reuse and saving are recorded); a capture lands
here, after the capsule is committed: the capture stands whatever happens to the branch, and
a landing that fails is a ``LandingFailed`` event and a ``landing_failed`` result, never an
exception that would lose the run's JSON.
"""

from __future__ import annotations

from evokernel.events import LandingFailed
from evokernel.kernel.context import KernelContext
from evokernel.kernel.reasons import next_action_for
from evokernel.kernel.results import Landing, SolveResult
from evokernel.landing import Lander, LandingError, evo_trailers
from evokernel.models import AgentTask
from evokernel.models.feedback import ReasonCode


def land_capture(
    ctx: KernelContext, task: AgentTask, result: SolveResult, lander: Lander
) -> Landing:
    """Commit a captured result's diff with ``lander``; record ``LandingFailed`` if it fails."""
    assert result.diff is not None
    try:
        with ctx.tracing.span("evokernel.land", {"evokernel.branch": lander.branch}):
            sha = lander.land(result.diff, evo_trailers(result.run_id, result.capsule_id))
    except LandingError as exc:
        ctx.record(
            [
                LandingFailed(
                    run_id=result.run_id,
                    task_id=task.task_id,
                    branch=lander.branch,
                    capsule_id=result.capsule_id,
                    detail=str(exc),
                )
            ]
        )
        return Landing(
            branch=lander.branch,
            landed=False,
            reason_code=ReasonCode.LANDING_FAILED,
            detail=str(exc),
        )
    return Landing(branch=lander.branch, landed=True, commit=sha)


def with_landing(result: SolveResult, landing: Landing | None) -> SolveResult:
    """``result`` carrying what landing did (``branch``/``commit`` set when it landed)."""
    if landing is None:
        return result
    if landing.landed:
        return result.model_copy(
            update={"landing": landing, "branch": landing.branch, "commit": landing.commit}
        )
    return result.model_copy(
        update={
            "landing": landing,
            "reason_code": ReasonCode.LANDING_FAILED,
            "next_action": next_action_for(ReasonCode.LANDING_FAILED),
        }
    )
