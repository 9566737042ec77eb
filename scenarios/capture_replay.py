"""Scenario: capture a validated fix, replay it when the failure recurs, fall back when not.

The story, on a sample shop repository built at run time (real git history):

1. ``test_total_with_discount`` fails on ``main``. The scripted agent proposes a fix; it is
   validated in the sandbox and captured as a capsule.
2. The same failure recurs on a branch where the code has moved. Replay applies the capsule to
   the new code, validates it, and solves the task with zero agent calls; the reuse carries the
   capsule's original run id and this run's replay run id.
3. An unrelated failure (slugs). No capsule is accepted for it; the agent is called and its fix
   is captured.

Run it: ``evokernel scenario run capture-replay [--json]`` or ``make demo``.
"""

from __future__ import annotations

import time
from pathlib import Path

from evokernel import (
    EvoConfig,
    SolveResult,
    open_runtime,
    task_for_repo,
)
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main
from scenarios.sample_repos import shop_workspace

NAME = "capture-replay"
COLUMNS = ["name", "outcome", "agent_calls", "capsule_id", "run_id", "original_run_id", "seconds"]


class TaskStep(ScenarioStep):
    """One task of the scenario (the documented JSON keys)."""

    outcome: str
    """``captured``, ``replayed``, ``fallback`` or ``failed``."""
    agent_calls: int
    """Agent calls made for this task."""
    capsule_id: str | None = None
    """Capsule captured or reused."""
    run_id: str
    """The task's run id."""
    replay_run_id: str | None = None
    """Set when the task was solved by replay (equals ``run_id``)."""
    original_run_id: str | None = None
    """The run that produced the reused capsule."""
    seconds: float = 0.0
    """Seconds the task took."""


def _step(
    name: str,
    result: SolveResult,
    calls: int,
    ok: bool,
    detail: str,
    outcome: str | None = None,
) -> TaskStep:
    """One task's row; ``outcome`` defaults to the result's own."""
    return TaskStep(
        name=name,
        ok=ok,
        detail=detail,
        outcome=outcome or result.outcome.value,
        agent_calls=calls,
        capsule_id=result.capsule_id,
        run_id=result.run_id,
        replay_run_id=result.replay_run_id,
        original_run_id=result.original_run_id,
        seconds=round(result.seconds, 2),
    )


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Run the three tasks and check each outcome; ``ok`` only when all three hold."""
    config = config or EvoConfig()
    started = time.monotonic()
    with shop_workspace(NAME, workdir) as (root, shop, agent):
        steps: list[ScenarioStep] = []
        with open_runtime(config, root / "store") as runtime:
            kernel = runtime.kernel

            def solve(rev: str, text: str) -> tuple[SolveResult, int]:
                """Solve one task at ``rev``; also return how many agent calls it took."""
                before = agent.calls
                task = task_for_repo(shop.path, config, text, base_rev=shop.revs[rev])
                return kernel.solve(task, agent), agent.calls - before

            # 1. A failing test; the agent's fix is validated and captured.
            first, calls = solve("cart_bug", "fix the cart discount")
            ok = first.outcome.value == "captured" and calls == 1 and first.capsule_id is not None
            detail = (
                f"expected captured with 1 agent call; got {first.outcome.value}"
                f" ({first.reason_code.value}), {calls} call(s)"
            )
            steps.append(_step("fix cart discount", first, calls, ok, detail))

            # 2. The same failure where the code has moved: replay solves it, no agent call.
            second, calls = solve("cart_bug_moved", "fix the cart discount again")
            ok = (
                second.outcome.value == "replayed"
                and calls == 0
                and second.capsule_id == first.capsule_id
                and second.original_run_id == first.run_id
                and second.replay_run_id == second.run_id
            )
            detail = (
                f"expected replayed with 0 agent calls reusing {first.capsule_id}"
                f" from run {first.run_id}"
            )
            steps.append(_step("same failure, moved code", second, calls, ok, detail))

            # 3. An unrelated failure: no capsule fits, the agent is called.
            third, calls = solve("slug_bug", "make slugs lower-case")
            fell_back = (
                third.replay is not None
                and not third.replay.hit
                and third.outcome.value == "captured"
            )
            ok = fell_back and calls == 1 and third.capsule_id not in {None, first.capsule_id}
            detail = "expected a replay miss, then 1 agent call and a new capsule"
            outcome = "fallback" if fell_back else None
            steps.append(_step("unrelated failure", third, calls, ok, detail, outcome))
    return ScenarioResult.of_steps(
        NAME,
        steps,
        started=started,
        columns=COLUMNS,
        tasks=[s.model_dump(mode="json") for s in steps],
    )


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
