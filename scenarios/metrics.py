"""Scenario: a mixed set of tasks, then the metrics snapshot and the health report.

The story, on the sample shop repository built at run time:

1. The cart bug: no capsule yet (a lookup that validates nothing); the agent's fix is captured.
2. A stricter cart test fails with the same signature: replay validates the capsule, and it
   fails. A replay validation, no hit; no agent is called (replay only).
3. The cart bug where the code has moved: replay validates the capsule and reuses it.
4. An unrelated slug bug: a lookup with no candidate, then the agent's fix is captured.
5. A reviewer rejects the change reused in step 3: a false replay.
6. The metrics snapshot counts exactly that: 4 lookups, 2 replay validations, 1 hit, 1 false
   replay, 2 agent calls, 1 avoided; sandbox start and run latencies were measured.
7. Health: the store tail verifies, the engine answers, the image is present.

Run it: ``evokernel scenario run metrics [--json]``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from evokernel import (
    AgentTask,
    ApprovalDecision,
    ApprovalSource,
    EvoConfig,
    HealthStatus,
    check_health,
    open_runtime,
    read_metrics,
    task_for_repo,
)
from evokernel.demo.repos import build_shop, commit, git
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main
from scenarios.sample_repos import shop_agent

NAME = "metrics"
COLUMNS = ["name", "outcome", "agent_calls", "detail"]

EXPECTED = {
    "tasks": 4,
    "replay_lookups": 4,
    "replay_validations": 2,
    "replay_hits": 1,
    "false_replays": 1,
    "agent_calls": 2,
    "agent_calls_avoided": 1,
}
"""The counters the story must produce, exactly."""

SHORT = {
    "replay_lookups": "lookups",
    "replay_validations": "validations",
    "replay_hits": "hits",
    "false_replays": "false",
    "agent_calls": "agent",
    "agent_calls_avoided": "avoided",
}
"""Short labels for the human table (cells stay narrow; the JSON has the full snapshot)."""


class MetricsStep(ScenarioStep):
    """One step of the story (the documented JSON keys)."""

    outcome: str
    """``captured``, ``replay_failed``, ``replayed``, ``rejected``, ``counted``, or a health
    status."""
    agent_calls: int = 0
    """Agent calls made in this step."""


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Run the tasks, take the snapshot and the health report, check both."""
    config = config or EvoConfig()
    started = time.monotonic()
    steps: list[ScenarioStep] = []
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="evokernel-metrics-", dir=workdir) as tmp:
        shop = build_shop(Path(tmp) / "shop")
        # A branch whose cart test expects another total: the cart capsule applies, but fails.
        git(shop.path, "checkout", "-q", "-b", "stricter", shop.revs["cart_bug"])
        stricter_tests = (shop.path / "tests/test_cart.py").read_text()
        shop.revs["stricter"] = commit(
            shop.path,
            {"tests/test_cart.py": stricter_tests.replace("== 15.0", "== 14.0")},
            "a stricter discount test",
        )
        git(shop.path, "checkout", "-q", "main")
        agent = shop_agent(shop)
        store_dir = Path(tmp) / "store"
        with open_runtime(config, store_dir) as runtime:
            kernel = runtime.kernel

            def task(rev: str) -> AgentTask:
                return task_for_repo(shop.path, config, f"fix {rev}", base_rev=shop.revs[rev])

            def step(name: str, outcome: str, ok: bool, calls: int = 0, detail: str = "") -> None:
                steps.append(
                    MetricsStep(name=name, ok=ok, outcome=outcome, agent_calls=calls, detail=detail)
                )

            # 1. No capsule yet: the agent's fix is captured.
            before = agent.calls
            first = kernel.solve(task("cart_bug"), agent)
            calls = agent.calls - before
            step("cart bug", first.outcome.value, first.outcome.value == "captured", calls)

            # 2. Same signature, stricter test: the capsule is validated and fails.
            stricter = kernel.replay_or_fallback(task("stricter"))
            outcomes = [c.outcome or "untried" for c in stricter.candidates]
            failed = not stricter.hit and outcomes == ["validation_failed"]
            step(
                "stricter test",
                "replay_failed",
                failed,
                detail=f"tried: {' '.join(outcomes).replace('_', ' ')}",
            )

            # 3. Moved code: replay validates and reuses the capsule.
            before = agent.calls
            moved = kernel.solve(task("cart_bug_moved"), agent)
            calls = agent.calls - before
            step("moved code", moved.outcome.value, moved.outcome.value == "replayed", calls)

            # 4. An unrelated bug: nothing to replay; the agent is called.
            before = agent.calls
            slug = kernel.solve(task("slug_bug"), agent)
            calls = agent.calls - before
            step("slug bug", slug.outcome.value, slug.outcome.value == "captured", calls)

            # 5. A reviewer rejects the reused change: a false replay.
            kernel.record_approval(
                run_id=moved.run_id,
                capsule_id=moved.capsule_id,
                approver="scenario reviewer",
                decision=ApprovalDecision.REJECT,
                source=ApprovalSource.DEVLOOP,
                note="the reused fix was not wanted here",
            )
            step("review rejects reuse", "rejected", True)

            # 6. The snapshot counts exactly what happened.
            snapshot = read_metrics(store_dir, runtime.latency)
            counted = snapshot.model_dump(include=set(EXPECTED))
            latency = snapshot.latency
            starts = latency.start.count if latency else 0
            runs = latency.run.count if latency else 0
            shown = ", ".join(f"{SHORT[name]} {n}" for name, n in counted.items() if name in SHORT)
            step(
                "metrics snapshot",
                "counted",
                counted == EXPECTED and starts > 0 and runs > 0,
                detail=f"{shown}; starts {starts}, runs {runs}"
                + ("" if counted == EXPECTED else f" (expected {EXPECTED})"),
            )
            figures["metrics"] = snapshot.model_dump(mode="json")

        # 7. Health: real checks of the store tail, the engine and the image.
        health = check_health(store_dir, config.sandbox)
        step(
            "health",
            health.status.value,
            health.status is HealthStatus.OK and health.http_status == 200,
            detail=", ".join(f"{c.name} {c.status.value}" for c in health.checks),
        )
        figures["health"] = health.model_dump(mode="json")
    return ScenarioResult.of_steps(
        NAME,
        steps,
        started=started,
        columns=COLUMNS,
        **figures,
    )


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
