"""Scenario: publishers stake credits, earn on reuse, lose on failure; reputation reorders replay.

The story, on one consuming node with the sample shop repository built at run time:

1. Two publishers, ``seed:alice`` and ``seed:bob``, publish capsules to this node: each a fix
   for the cart bug (written differently), and alice also a "fix" for the slug bug that does
   not work. They arrive quarantined, through the same import path as a peer's bundle, and
   each publisher stakes credits on every capsule it published.
2. Before anything is reused, the two cart capsules rank level: same similarity, confidence,
   state and (no history) the same publisher reputation.
3. The slug bug appears. Replay tries alice's slug capsule in the sandbox: it fails
   validation, so alice is penalised. No agent is called.
4. The cart bug appears. Ranking now puts bob's capsule first: alice's reputation fell.
5. Replay tries bob's capsule first; it validates and is reused with zero agent calls, so bob
   is rewarded and this node records the agent call it saved.
6. After a restart (the store reopened from disk), balances and reputations are unchanged:
   the ledger is made of store events.

Run it: ``evokernel scenario run economics [--json]``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pydantic import Field

from evokernel import (
    AgentTask,
    CandidateScore,
    EvoConfig,
    ImportReport,
    LedgerReport,
    SeedFile,
    import_seeds,
    open_runtime,
    read_ledger,
    task_for_repo,
)
from evokernel.demo.repos import build_shop, git, unified_diff
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main

NAME = "economics"
COLUMNS = ["name", "outcome", "ranking", "scores", "balances"]
ALICE, BOB, LOCAL = "seed:alice", "seed:bob", "local"


class EconomicsStep(ScenarioStep):
    """One step of the story (the documented JSON keys)."""

    outcome: str
    """What happened: ``published``, ``ranked``, ``penalised``, ``rewarded``, ``restarted``."""
    ranking: list[str] = Field(default_factory=list)
    """Publishers of the ranked candidates, best first (ranking steps)."""
    scores: list[float] = Field(default_factory=list)
    """Their scores, in the same order."""
    balances: dict[str, float] = Field(default_factory=dict)
    """Ledger balance by account after the step."""
    reputation: dict[str, float] = Field(default_factory=dict)
    """Publisher reputation after the step."""


def _ledger_figures(report: LedgerReport) -> tuple[dict[str, float], dict[str, float]]:
    balances = {a.account: a.balance for a in report.accounts}
    reputation = {a.account: a.reputation for a in report.accounts if a.account != LOCAL}
    return balances, reputation


def _publishers(ranked: list[CandidateScore], owners: dict[str, str]) -> list[str]:
    return [owners.get(c.capsule_id, "?") for c in ranked]


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Run the story and check each step; ``ok`` only when all hold."""
    config = config or EvoConfig()
    economics = config.economics
    started = time.monotonic()
    steps: list[ScenarioStep] = []
    with tempfile.TemporaryDirectory(prefix="evokernel-economics-", dir=workdir) as tmp:
        shop = build_shop(Path(tmp) / "shop")
        store_dir = Path(tmp) / "store"

        # The publishers' diffs: two working cart fixes, one slug "fix" that does not work.
        cart_text = (shop.path / "shop/cart.py").read_text()
        bob_cart = unified_diff(
            shop.path,
            "shop/cart.py",
            cart_text.replace("subtotal - discount", "subtotal - subtotal * discount"),
        )
        git(shop.path, "checkout", "-q", shop.revs["slug_bug"])
        slug_text = (shop.path / "shop/slug.py").read_text()
        bad_slug = unified_diff(
            shop.path, "shop/slug.py", slug_text.replace(".split()", ".title().split()")
        )
        git(shop.path, "checkout", "-q", "main")

        with open_runtime(config, store_dir) as runtime:
            kernel = runtime.kernel

            def task(rev: str, text: str) -> AgentTask:
                return task_for_repo(shop.path, config, text, base_rev=shop.revs[rev])

            cart_task, slug_task = task("cart_bug", "fix the cart"), task("slug_bug", "fix slugs")
            cart_run, slug_run = kernel.new_run_id(), kernel.new_run_id()
            cart_signature = kernel.detect(cart_task, cart_run).signature
            slug_signature = kernel.detect(slug_task, slug_run).signature

            # 1. Publish: alice and bob's capsules arrive quarantined; each stakes per capsule.
            def publish(name: str, seeds: list[dict[str, object]]) -> ImportReport:
                seed_file = SeedFile.model_validate({"name": name, "seeds": seeds})
                # Importing a publication records the publisher's stake per capsule.
                return import_seeds(runtime.repository, seed_file, economics)

            repo = cart_task.repo_identity
            alice = publish(
                "alice",
                [
                    {
                        "signature": cart_signature,
                        "diff": shop.fixes["cart"],
                        "repo_identity": repo,
                    },
                    {"signature": slug_signature, "diff": bad_slug, "repo_identity": repo},
                ],
            )
            bob = publish(
                "bob", [{"signature": cart_signature, "diff": bob_cart, "repo_identity": repo}]
            )
            owners = {c: ALICE for c in alice.imported_capsules}
            owners.update({c: BOB for c in bob.imported_capsules})
            balances, reputation = _ledger_figures(read_ledger(store_dir, economics))
            want = {ALICE: -2 * economics.stake, BOB: -economics.stake}
            steps.append(
                EconomicsStep(
                    name="publish",
                    ok=len(owners) == 3 and balances == want,
                    detail=f"stakes: expected {want}, balances {balances}",
                    outcome="published",
                    balances=balances,
                    reputation=reputation,
                )
            )

            # 2. Before any reuse: the two cart capsules rank level.
            before = kernel.candidates(cart_task, cart_run)
            level = len(before) == 2 and before[0].score == before[1].score
            steps.append(
                EconomicsStep(
                    name="rank before",
                    ok=level and set(_publishers(before, owners)) == {ALICE, BOB},
                    detail=f"expected two cart capsules with equal scores; got "
                    f"{[(owners.get(c.capsule_id), c.score) for c in before]}",
                    outcome="ranked",
                    ranking=_publishers(before, owners),
                    scores=[c.score for c in before],
                )
            )

            # 3. Alice's slug capsule fails validation here: alice is penalised.
            slug = kernel.replay_or_fallback_for_run(slug_task, slug_run)
            tried = [(owners.get(c.capsule_id), c.outcome) for c in slug.candidates]
            balances, reputation = _ledger_figures(read_ledger(store_dir, economics))
            penalised = want[ALICE] - economics.penalty
            steps.append(
                EconomicsStep(
                    name="failed reuse",
                    ok=not slug.hit
                    and tried == [(ALICE, "validation_failed")]
                    and balances[ALICE] == penalised
                    and reputation[ALICE] < reputation[BOB],
                    detail=f"expected alice's capsule to fail and cost {economics.penalty}; "
                    f"tried {tried}, balances {balances}",
                    outcome="penalised",
                    balances=balances,
                    reputation=reputation,
                )
            )

            # 4. The same cart query now ranks bob's capsule first.
            after = kernel.candidates(cart_task, cart_run)
            ranking = _publishers(after, owners)
            steps.append(
                EconomicsStep(
                    name="rank after",
                    ok=ranking == [BOB, ALICE] and after[0].score > after[1].score,
                    detail=f"expected bob ahead of alice; got {ranking} scoring "
                    f"{[c.score for c in after]}",
                    outcome="ranked",
                    ranking=ranking,
                    scores=[c.score for c in after],
                )
            )

            # 5. Bob's capsule is tried first, validates and is reused: bob is rewarded.
            cart = kernel.replay_or_fallback_for_run(cart_task, cart_run)
            balances, reputation = _ledger_figures(read_ledger(store_dir, economics))
            steps.append(
                EconomicsStep(
                    name="successful reuse",
                    ok=cart.hit
                    and owners.get(cart.capsule_id or "") == BOB
                    and balances[BOB] == want[BOB] + economics.reward
                    and balances[LOCAL] == economics.saving_per_agent_call,
                    detail=f"expected bob's capsule reused and rewarded {economics.reward}; "
                    f"got {cart.reason_code.value}, balances {balances}",
                    outcome="rewarded",
                    balances=balances,
                    reputation=reputation,
                )
            )
        live = balances, reputation

        # 6. Restart: the kernel is closed; the ledger is read back from the store on disk.
        reopened = _ledger_figures(read_ledger(store_dir, economics))
        steps.append(
            EconomicsStep(
                name="after restart",
                ok=reopened == live and reopened[1][BOB] > 0.5 > reopened[1][ALICE],
                detail=f"expected the same balances and reputations; got {reopened}",
                outcome="restarted",
                balances=reopened[0],
                reputation=reopened[1],
            )
        )
    return ScenarioResult.of_steps(NAME, steps, started=started, columns=COLUMNS)


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
