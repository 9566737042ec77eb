"""Scenario: the supervised devloop. A person decides; only approved changes land.

The story, on a sample shop repository built at run time (real git history), whose policy
lets changes touch ``shop/**`` only:

1. ``test_total_with_discount`` fails on ``main``. The agent's fix validates, but the
   reviewer rejects it (an approval file says so): nothing is committed, no branch appears,
   and the capsule's confidence goes down through the recorded event.
2. The same failure, run again. Replay finds the stored capsule (no agent call), it validates,
   and this time the reviewer approves: the fix is committed on ``evo/<task-slug>`` with
   ``Evo-Run``, ``Evo-Capsule`` and ``Evo-Replay-Run`` trailers; ``main`` is untouched.
3. The reviewer merges that branch; a new failure appears in ``tools/``. The agent's fix
   validates but lies outside the allowed paths: ``rejected_by_policy`` (limit
   ``allowed_paths``), and nobody is asked.

Run it: ``evokernel scenario run supervised-devloop [--json]``.
"""

from __future__ import annotations

import time
from pathlib import Path

from evokernel import (
    DevloopResult,
    DevloopStatus,
    EvoConfig,
    FileApprover,
    ScriptedAgent,
    run_devloop,
    show_asset,
)
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main
from scenarios.sample_repos import (
    SampleRepo,
    commit,
    fix_rule,
    git,
    shop_workspace,
    unified_diff,
)

NAME = "supervised-devloop"
COLUMNS = ["name", "status", "branch", "commit", "seconds"]
TASK = "fix the cart discount"

PRICES_BUGGY = '''"""Price tags for the shop's printed catalogue."""


def tag(price):
    """Two decimals and the currency."""
    return f"{price:.1f} EUR"
'''
PRICES_FIXED = PRICES_BUGGY.replace("{price:.1f}", "{price:.2f}")
PRICES_TESTS = """from tools.prices import tag


def test_tag_has_two_decimals():
    assert tag(3) == "3.00 EUR"
"""


class RunStep(ScenarioStep):
    """One devloop run of the scenario (the documented JSON keys)."""

    status: str
    """The run's ``DevloopStatus``."""
    branch: str | None = None
    """Branch the change was committed on, if any."""
    commit: str | None = None
    """That commit, if any."""
    seconds: float = 0.0
    """Seconds the run took."""


def _approval(directory: Path, name: str, decision: str, note: str) -> FileApprover:
    """What the reviewer wrote down, as a non-interactive approval file."""
    path = directory / f"{name}.json"
    path.write_text(f'{{"approver": "robin", "decision": "{decision}", "note": "{note}"}}\n')
    return FileApprover(path)


def _step(name: str, result: DevloopResult, ok: bool, detail: str) -> RunStep:
    return RunStep(
        name=name,
        ok=ok,
        detail=detail if not ok else result.detail,
        status=result.status.value,
        branch=result.branch,
        commit=result.commit,
        seconds=round(result.seconds, 2),
    )


def _branches(repo: Path) -> list[str]:
    return git(repo, "branch", "--list", "evo/*", "--format=%(refname:short)").split()


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Run the three devloop tasks and check each outcome; ``ok`` only when all three hold."""
    base = config or EvoConfig()
    # The project's policy: changes may touch the shop package only.
    policy = base.policy.model_copy(update={"allowed_paths": ["shop/**"]})
    config = base.model_copy(update={"policy": policy})
    started = time.monotonic()
    steps: list[ScenarioStep] = []
    with shop_workspace(NAME, workdir, ["cart"]) as (root, shop, agent):
        store = root / "store"
        head = git(shop.path, "rev-parse", "HEAD")

        def review_cart_fix(decision: str, note: str) -> DevloopResult:
            """One devloop on the cart task, the reviewer answering ``decision``."""
            approver = _approval(root, decision, decision, note)
            return run_devloop(
                config, shop.path, task_text=TASK, agent=agent, approver=approver, store_dir=store
            )

        # 1. The agent's fix validates; the reviewer rejects it. Nothing lands; confidence drops.
        first = review_cart_fix("reject", "fix the rounding too")
        after = show_asset(store, first.capsule_id).confidence if first.capsule_id else None
        ok = (
            first.status is DevloopStatus.REJECTED
            and first.commit is None
            and _branches(shop.path) == []
            and git(shop.path, "rev-parse", "HEAD") == head
            and first.confidence_at_review is not None
            and after is not None
            and after < first.confidence_at_review
        )
        steps.append(
            _step(
                "rejected by the reviewer",
                first,
                ok,
                f"expected rejected, no branch, confidence down; got {first.status.value}, "
                f"branches {_branches(shop.path)}, confidence {first.confidence_at_review}"
                f" -> {after}",
            )
        )

        # 2. Same failure: replay reuses the capsule, the reviewer approves, the fix lands.
        calls = agent.calls
        second = review_cart_fix("approve", "good now")
        trailers = _trailers(shop.path, second.branch) if second.branch else {}
        ok = (
            second.status is DevloopStatus.APPROVED
            and second.branch == "evo/fix-the-cart-discount"
            and agent.calls == calls
            and trailers.get("Evo-Run") == second.run_id
            and trailers.get("Evo-Capsule") == first.capsule_id
            and trailers.get("Evo-Replay-Run") == second.run_id
            and git(shop.path, "rev-parse", "HEAD") == head
        )
        steps.append(
            _step(
                "replayed and approved",
                second,
                ok,
                f"expected approved replay on evo/fix-the-cart-discount with trailers; got "
                f"{second.status.value} on {second.branch}, trailers {trailers}",
            )
        )

        # 3. Merged; a new failure outside the allowed paths: refused by policy, nobody asked.
        git(shop.path, "merge", "-q", "--ff-only", second.branch or "HEAD")
        prices_fix = _add_prices_bug(shop)
        prices_test = "tests/test_prices.py::test_tag_has_two_decimals"
        third = run_devloop(
            config,
            shop.path,
            agent=ScriptedAgent.from_rules([fix_rule(prices_test, prices_fix, "two decimals")]),
            approver=_approval(root, "never", "approve", "should not be asked"),
            max_attempts=1,
            store_dir=store,
        )
        ok = (
            third.status is DevloopStatus.REJECTED_BY_POLICY
            and third.limit is not None
            and third.limit.value == "allowed_paths"
            and third.approval is None
            and _branches(shop.path) == ["evo/fix-the-cart-discount"]
        )
        steps.append(
            _step(
                "outside the allowed paths",
                third,
                ok,
                f"expected rejected_by_policy (allowed_paths), no new branch; got "
                f"{third.status.value} ({third.limit}), branches {_branches(shop.path)}",
            )
        )
    return ScenarioResult.of_steps(NAME, steps, started=started, columns=COLUMNS)


def _add_prices_bug(shop: SampleRepo) -> str:
    """Commit a module outside ``shop/`` with a failing test; return the fix an agent knows."""
    files = {
        "tools/__init__.py": "",
        "tools/prices.py": PRICES_BUGGY,
        "tests/test_prices.py": PRICES_TESTS,
    }
    commit(shop.path, files, "price tags")
    return unified_diff(shop.path, "tools/prices.py", PRICES_FIXED)


def _trailers(repo: Path, branch: str) -> dict[str, str]:
    """The trailers of the branch's tip commit, as ``git interpret-trailers`` reads them."""
    out = git(repo, "log", "-1", "--format=%(trailers:only,unfold)", branch)
    pairs = (line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return {key: value for key, value in pairs}


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
