"""Scenario: two nodes exchange a capsule in a signed bundle; bad messages are refused.

The story, with two stores and two clones of the sample shop repository built at run time:

1. Node A's agent fixes the cart bug; the fix is validated and captured.
2. A exports a signed bundle of what it vouches for.
3. Node B, which trusts A's key, imports it: the capsule arrives quarantined.
4. B meets the same failure. Replay shadow-validates the quarantined capsule in B's own
   sandbox; it validates, so B reuses it with zero agent calls and it is promoted.
5. A tampered copy of the bundle (one byte of a diff) is refused; B's store is unchanged.
6. The original bundle sent again (a replay) is refused; B's store is unchanged.
7. Node C, also trusted by B, tries to revoke A's capsule: refused, it is not the publisher.
8. A revokes its own capsule: B honours it.

Run it: ``evokernel scenario run network [--json]``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from evokernel import (
    AgentTask,
    BundleHashError,
    BundleReplayError,
    EvoConfig,
    NodeIdentity,
    NotPublisherError,
    TrustStore,
    apply_revocation,
    export_bundle,
    import_bundle,
    open_runtime,
    sign_revocation,
    task_for_repo,
)
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main
from scenarios.sample_repos import SampleRepo, build_shop, shop_agent

NAME = "network"
COLUMNS = ["name", "node", "outcome", "agent_calls", "capsule_id", "state"]


class NetworkStep(ScenarioStep):
    """One step of the exchange (the documented JSON keys)."""

    node: str
    """The node acting: ``A``, ``B`` or ``C``."""
    outcome: str
    """What happened: ``captured``, ``exported``, ``imported``, ``replayed``, ``refused``..."""
    agent_calls: int = 0
    """Agent calls made in this step."""
    capsule_id: str | None = None
    """The capsule the step is about."""
    state: str | None = None
    """That capsule's state on node B after the step."""


def _events_bytes(store_dir: Path) -> bytes:
    """The store's event log as bytes: "unchanged" is checked byte for byte."""
    return (store_dir / "events.jsonl").read_bytes()


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Run the exchange and check each step; ``ok`` only when every check holds."""
    config = config or EvoConfig()
    started = time.monotonic()
    steps: list[ScenarioStep] = []
    with tempfile.TemporaryDirectory(prefix="evokernel-network-", dir=workdir) as tmp:
        root = Path(tmp)
        node_a, node_c = NodeIdentity.generate(), NodeIdentity.generate()
        shop_a, shop_b = build_shop(root / "a" / "shop"), build_shop(root / "b" / "shop")
        store_b = root / "b" / "store"
        trust_b = TrustStore(root / "b" / "node" / "peers.json")

        def task(shop: SampleRepo) -> AgentTask:
            return task_for_repo(shop.path, config, "fix the cart", base_rev=shop.revs["cart_bug"])

        # 1. Node A captures a validated fix.
        with open_runtime(config, root / "a" / "store") as runtime_a:
            agent_a = shop_agent(shop_a, ["cart"])
            captured = runtime_a.kernel.solve(task(shop_a), agent_a)
            capsule_id = captured.capsule_id
            ok = captured.outcome.value == "captured" and agent_a.calls == 1 and capsule_id
            steps.append(
                NetworkStep(
                    name="A captures the cart fix",
                    ok=bool(ok),
                    detail=f"expected captured with 1 agent call; got {captured.outcome.value}",
                    node="A",
                    outcome=captured.outcome.value,
                    agent_calls=agent_a.calls,
                    capsule_id=capsule_id,
                )
            )

            # 2. A exports a signed bundle.
            bundle = export_bundle(runtime_a.repository, node_a)
        exported = [c.capsule_id for c in bundle.capsules]
        steps.append(
            NetworkStep(
                name="A exports a signed bundle",
                ok=exported == [capsule_id] and bundle.manifest.sender_id == node_a.node_id,
                detail=f"expected exactly {capsule_id} from {node_a.node_id}; got {exported}",
                node="A",
                outcome="exported",
                capsule_id=capsule_id,
            )
        )
        data = bundle.to_json()

        with open_runtime(config, store_b) as runtime_b:
            kernel_b = runtime_b.kernel

            def state_on_b() -> str | None:
                view = kernel_b.view().capsules.get(capsule_id or "")
                return view.state.value if view else None

            # 3. B trusts A and imports: the capsule arrives quarantined.
            trust_b.trust(node_a.public_key, note="node A")
            trust_b.trust(node_c.public_key, note="node C")
            report = import_bundle(runtime_b.repository, data, trust_b)
            imported_from = kernel_b.view().capsules[capsule_id or ""].imported_from
            steps.append(
                NetworkStep(
                    name="B imports the bundle",
                    ok=report.imported_capsules == [capsule_id]
                    and state_on_b() == "quarantined"
                    and imported_from == node_a.node_id,
                    detail=f"expected {capsule_id} quarantined, published by A",
                    node="B",
                    outcome="imported",
                    capsule_id=capsule_id,
                    state=state_on_b(),
                )
            )

            # 4. Same failure on B: replay shadow-validates the capsule, no agent call.
            agent_b = shop_agent(shop_b, ["cart"])
            reused = kernel_b.solve(task(shop_b), agent_b)
            steps.append(
                NetworkStep(
                    name="B reuses it after local validation",
                    ok=reused.outcome.value == "replayed"
                    and agent_b.calls == 0
                    and reused.capsule_id == capsule_id
                    and state_on_b() == "promoted",
                    detail=f"expected replayed with 0 agent calls and {capsule_id} promoted;"
                    f" got {reused.outcome.value}, {agent_b.calls} call(s), {state_on_b()}",
                    node="B",
                    outcome=reused.outcome.value,
                    agent_calls=agent_b.calls,
                    capsule_id=reused.capsule_id,
                    state=state_on_b(),
                )
            )

            # 5. A tampered bundle is refused and writes nothing.
            raw = orjson.loads(data)
            raw["capsules"][0]["diff"] = raw["capsules"][0]["diff"].replace("1 - discount", "2")
            steps.append(
                _refusal(
                    "B refuses a tampered bundle",
                    store_b,
                    lambda: import_bundle(runtime_b.repository, raw, trust_b),
                    BundleHashError,
                    capsule_id,
                    state_on_b,
                )
            )

            # 6. The same bundle sent again is a replay: refused, nothing written.
            steps.append(
                _refusal(
                    "B refuses a replayed bundle",
                    store_b,
                    lambda: import_bundle(runtime_b.repository, data, trust_b),
                    BundleReplayError,
                    capsule_id,
                    state_on_b,
                )
            )

            # 7. C is trusted by B but did not publish the capsule: its revoke is refused.
            forged = sign_revocation(node_c, capsule_id or "", "not mine to revoke")
            steps.append(
                _refusal(
                    "B refuses a revoke from a non-publisher",
                    store_b,
                    lambda: apply_revocation(runtime_b.repository, forged, trust_b),
                    NotPublisherError,
                    capsule_id,
                    state_on_b,
                    node="C",
                )
            )

            # 8. The publisher's own revoke is honoured.
            revoked = apply_revocation(
                runtime_b.repository,
                sign_revocation(node_a, capsule_id or "", "superseded"),
                trust_b,
            )
            steps.append(
                NetworkStep(
                    name="B honours A's revoke",
                    ok=revoked.revoked and state_on_b() == "revoked",
                    detail=f"expected {capsule_id} revoked; got {state_on_b()}",
                    node="A",
                    outcome="revoked",
                    capsule_id=capsule_id,
                    state=state_on_b(),
                )
            )
    return ScenarioResult.of_steps(NAME, steps, started=started, columns=COLUMNS)


def _refusal(
    name: str,
    store_dir: Path,
    attempt: Callable[[], object],
    expected: type[Exception],
    capsule_id: str | None,
    state: Callable[[], str | None],
    node: str = "B",
) -> NetworkStep:
    """Run ``attempt``; ok when it raises ``expected`` and the store is byte-for-byte unchanged."""
    before = _events_bytes(store_dir)
    try:
        attempt()
    except expected as exc:
        unchanged = _events_bytes(store_dir) == before
        return NetworkStep(
            name=name,
            ok=unchanged,
            detail=f"{type(exc).__name__}: {exc}"
            + ("" if unchanged else " (but the store changed)"),
            node=node,
            outcome="refused",
            capsule_id=capsule_id,
            state=state(),
        )
    return NetworkStep(
        name=name,
        ok=False,
        detail=f"expected {expected.__name__}, but it was accepted",
        node=node,
        outcome="accepted",
        capsule_id=capsule_id,
        state=state(),
    )


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
