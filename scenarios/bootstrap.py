"""Scenario: an empty store is bootstrapped from a seed file; only seeds that validate rise.

The seed file ``scenarios/bootstrap_seeds.json`` ships with the package: two seeds written
for the sample shop repository. One fixes the cart bug; the other claims to fix the slug bug
but joins words with underscores, which the shop's test rejects.

1. The seeds are imported into a fresh store: every gene and capsule arrives quarantined,
   and nothing has been validated.
2. Importing the same file again writes nothing.
3. The cart bug appears: replay validates the cart seed in the sandbox and reuses it with
   zero agent calls; the seed is promoted.
4. The slug bug appears: replay tries the slug seed, validation fails, the seed stays
   quarantined, and the agent is called instead.

Run it: ``evokernel scenario run bootstrap [--json]``.
"""

from __future__ import annotations

import importlib.resources
import time
from pathlib import Path

from evokernel import (
    EvoConfig,
    EvoKernel,
    import_seeds,
    load_seed_file,
    open_runtime,
    task_for_repo,
)
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main
from scenarios.sample_repos import shop_workspace

NAME = "bootstrap"
COLUMNS = ["name", "outcome", "agent_calls", "capsule_id", "state"]
SEED_FILE = "bootstrap_seeds.json"
"""The seed file, shipped as package data next to this module."""


class BootstrapStep(ScenarioStep):
    """One step of the bootstrap (the documented JSON keys)."""

    outcome: str
    """``seeded``, ``unchanged``, ``replayed``, ``fallback`` or what happened instead."""
    agent_calls: int = 0
    """Agent calls made in this step."""
    capsule_id: str | None = None
    """The seed capsule the step is about."""
    state: str | None = None
    """That capsule's state after the step."""


def _seed_of(kernel: EvoKernel, signal: str) -> str | None:
    """The seed capsule whose gene holds ``signal``."""
    view = kernel.view()
    for capsule in view.capsules.values():
        gene = view.genes.get(capsule.capsule.gene_id)
        if capsule.imported_from == "seed:shop" and gene and signal in gene.gene.signature:
            return capsule.capsule.capsule_id
    return None


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Seed a store, then solve two tasks; ``ok`` only when every check holds."""
    config = config or EvoConfig()
    started = time.monotonic()
    steps: list[ScenarioStep] = []
    with (
        shop_workspace(NAME, workdir) as (root, shop, agent),
        importlib.resources.as_file(importlib.resources.files("scenarios") / SEED_FILE) as path,
    ):
        seeds = load_seed_file(path)
        with open_runtime(config, root / "store") as runtime:
            kernel = runtime.kernel

            def state(capsule_id: str | None) -> str | None:
                found = kernel.view().capsules.get(capsule_id or "")
                return found.state.value if found else None

            # 1. Every seed arrives quarantined; nothing is validated yet.
            report = import_seeds(runtime.repository, seeds)
            view = kernel.view()
            states = sorted({c.state.value for c in view.capsules.values()})
            cart = _seed_of(kernel, "test-failed:tests/test_cart.py::test_total_with_discount")
            slug = _seed_of(kernel, "test-failed:tests/test_slug.py::test_slugify_lowercases")
            steps.append(
                BootstrapStep(
                    name="seeds arrive quarantined",
                    ok=len(report.imported_capsules) == 2
                    and states == ["quarantined"]
                    and view.counters.validations == 0
                    and cart is not None
                    and slug is not None,
                    detail=f"expected 2 quarantined seed capsules; got"
                    f" {report.imported_capsules} in states {states}",
                    outcome="seeded",
                    state=",".join(states),
                )
            )

            # 2. The same seed file again: nothing is written.
            before = kernel.view().last_seq
            again = import_seeds(runtime.repository, seeds)
            steps.append(
                BootstrapStep(
                    name="seeding again writes nothing",
                    ok=again.already_received and kernel.view().last_seq == before,
                    detail=f"expected no new record after seq {before}",
                    outcome="unchanged",
                )
            )

            # 3. The cart bug: the cart seed validates here and is promoted; no agent call.
            task = task_for_repo(shop.path, config, "fix the cart", base_rev=shop.revs["cart_bug"])
            calls = agent.calls
            solved = kernel.solve(task, agent)
            calls = agent.calls - calls
            steps.append(
                BootstrapStep(
                    name="cart bug: the seed validates",
                    ok=solved.outcome.value == "replayed"
                    and calls == 0
                    and solved.capsule_id == cart
                    and state(cart) == "promoted",
                    detail=f"expected {cart} replayed and promoted with 0 agent calls; got"
                    f" {solved.outcome.value}, {calls} call(s), {state(cart)}",
                    outcome=solved.outcome.value,
                    agent_calls=calls,
                    capsule_id=cart,
                    state=state(cart),
                )
            )

            # 4. The slug bug: the wrong seed fails validation and stays quarantined.
            task = task_for_repo(shop.path, config, "fix slugs", base_rev=shop.revs["slug_bug"])
            calls = agent.calls
            solved = kernel.solve(task, agent)
            calls = agent.calls - calls
            tried = solved.replay is not None and any(
                c.capsule_id == slug and c.outcome == "validation_failed"
                for c in solved.replay.candidates
            )
            steps.append(
                BootstrapStep(
                    name="slug bug: the invalid seed stays quarantined",
                    ok=tried
                    and state(slug) == "quarantined"
                    and solved.outcome.value == "captured"
                    and calls == 1,
                    detail=f"expected {slug} to fail validation and stay quarantined, then one"
                    f" agent call; got tried={tried}, {state(slug)}, {solved.outcome.value},"
                    f" {calls} call(s)",
                    outcome="fallback" if tried else solved.outcome.value,
                    agent_calls=calls,
                    capsule_id=slug,
                    state=state(slug),
                )
            )
    return ScenarioResult.of_steps(NAME, steps, started=started, columns=COLUMNS)


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
