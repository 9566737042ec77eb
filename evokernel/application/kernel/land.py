"""Landing a captured change on its branch (``run --apply``), failures recorded as events.

A replay lands inside ``replay`` (before its reuse and saving are recorded); a capture lands
here, after the capsule is committed: the capture stands whatever happens to the branch, and
a landing that fails is a ``LandingFailed`` event and a ``landing_failed`` result, never an
exception that would lose the run's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping

from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.reasons import next_action_for
from evokernel.application.kernel.results import Landing, SolveResult
from evokernel.application.landing import Lander, LandingError, evo_trailers
from evokernel.domain.events import LandingFailed
from evokernel.domain.models import AgentTask
from evokernel.domain.models.feedback import ReasonCode


def land_diff(
    ctx: KernelContext, lander: Lander, diff: str, trailers: Mapping[str, str]
) -> Landing:
    """Commit ``diff`` with ``lander`` (capture and replay); a refusal is a value."""
    try:
        with ctx.tracing.span("evokernel.land", {"evokernel.branch": lander.branch}):
            sha = lander.land(diff, trailers)
    except LandingError as exc:
        return Landing(
            branch=lander.branch,
            landed=False,
            reason_code=ReasonCode.LANDING_FAILED,
            detail=str(exc),
        )
    return Landing(branch=lander.branch, landed=True, commit=sha)


def land_capture(
    ctx: KernelContext, task: AgentTask, result: SolveResult, lander: Lander
) -> Landing:
    """Commit a captured result's diff with ``lander``; record ``LandingFailed`` if it fails."""
    assert result.diff is not None
    trailers = evo_trailers(result.run_id, result.capsule_id)
    landing = land_diff(ctx, lander, result.diff, trailers)
    if not landing.landed:
        failed = LandingFailed(
            run_id=result.run_id,
            task_id=task.task_id,
            branch=lander.branch,
            capsule_id=result.capsule_id,
            detail=landing.detail,
        )
        ctx.record([failed])
    return landing


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
