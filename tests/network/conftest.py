"""Network fixtures: real keys, real stores holding real (content-addressed) assets, nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from evokernel.adapters.network import NodeIdentity, TrustStore, default_node_dir
from evokernel.adapters.network.seeds import Seed, SeedFile, seed_assets
from evokernel.adapters.network.trust import PEERS_NAME
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    AssetStateChanged,
    AssetType,
    CapsuleCommitted,
    EvolutionEvent,
    GeneSolidified,
)
from evokernel.domain.models import AssetState, Capsule, Gene, TransitionReason
from tests.evokernel.samples import fill_store

E = TypeVar("E", bound=BaseException)


def change(n: int) -> str:
    """A small, valid unified diff of file ``pkg/m<n>.py``."""
    return (
        f"diff --git a/pkg/m{n}.py b/pkg/m{n}.py\n"
        f"--- a/pkg/m{n}.py\n"
        f"+++ b/pkg/m{n}.py\n"
        "@@ -1,2 +1,2 @@\n"
        " import os\n"
        f"-x = {n}\n"
        f"+x = {n + 1}\n"
    )


def assets(*numbers: int, diff: Callable[[int], str] = change) -> tuple[list[Gene], list[Capsule]]:
    """Genes and capsules with correct content ids: one gene and one capsule per number."""
    seeds = SeedFile(
        name="t",
        seeds=[
            Seed(
                signature=["exception:ValueError", f"test-failed:tests/test_m.py::test_{n}"],
                diff=diff(n),
                intent=f"fix {n}",
                repo_identity="repo",
            )
            for n in numbers
        ],
    )
    return seed_assets(seeds)


def capsule_moved(
    capsule: str, from_state: AssetState, to_state: AssetState, reason: TransitionReason
) -> AssetStateChanged:
    """The governor moved ``capsule`` from one state to another."""
    return AssetStateChanged(
        asset_id=capsule,
        asset_type=AssetType.CAPSULE,
        from_state=from_state,
        to_state=to_state,
        reason_code=reason,
    )


def local_events(*numbers: int, promote: tuple[int, ...] = ()) -> list[EvolutionEvent]:
    """Events that capture one capsule per number here (and promote some)."""
    genes, capsules = assets(*numbers)
    events: list[EvolutionEvent] = []
    for n, gene, capsule in zip(numbers, genes, capsules, strict=True):
        events += [GeneSolidified(run_id=f"run-{n}", gene=gene), CapsuleCommitted(capsule=capsule)]
        if n in promote:
            promoted = capsule_moved(
                capsule.capsule_id,
                AssetState.CANDIDATE,
                AssetState.PROMOTED,
                TransitionReason.PROMOTED_BY_EVIDENCE,
            )
            events.append(promoted)
    return events


def capsule_id(n: int) -> str:
    """The id of capsule ``n`` of ``assets``."""
    return assets(n)[1][0].capsule_id


@dataclass
class Node:
    """A network node on disk: its store, its identity, its trusted peers."""

    name: str
    store_dir: Path
    identity: NodeIdentity
    trust: TrustStore

    @property
    def node_dir(self) -> Path:
        return default_node_dir(self.store_dir)

    def record(self, events: list[EvolutionEvent]) -> None:
        fill_store(self.store_dir, events)

    def events_bytes(self) -> bytes:
        path = self.store_dir / "events.jsonl"
        return path.read_bytes() if path.exists() else b""

    @contextmanager
    def refuses(
        self, error: type[E], match: str | None = None
    ) -> Iterator[pytest.ExceptionInfo[E]]:
        """The block raises ``error`` and this node's log is byte for byte what it was."""
        before = self.events_bytes()
        with pytest.raises(error, match=match) as caught:
            yield caught
        assert self.events_bytes() == before, f"a refused call wrote to {self.name}'s log"

    def trusts(self, other: Node) -> None:
        self.trust.trust(other.identity.public_key, note=other.name)


MakeNode = Callable[[str], Node]


@pytest.fixture
def make_node(tmp_path: Path) -> MakeNode:
    """``make_node("a")``: a node with a saved key and an empty store directory."""

    def make(name: str) -> Node:
        store_dir = tmp_path / name / "store"
        identity = NodeIdentity.generate()
        identity.save(default_node_dir(store_dir))
        return Node(name, store_dir, identity, TrustStore(default_node_dir(store_dir) / PEERS_NAME))

    return make


@pytest.fixture
def publisher(make_node: MakeNode) -> Node:
    """Node A: two local capsules (1 promoted, 2 candidate) and one quarantined (3)."""
    node = make_node("a")
    events = local_events(1, 2, 3, promote=(1,))
    events.append(
        capsule_moved(
            capsule_id(3),
            AssetState.CANDIDATE,
            AssetState.QUARANTINED,
            TransitionReason.QUARANTINED_REPEATED_FAILURES,
        )
    )
    node.record(events)
    return node


@pytest.fixture
def receiver(make_node: MakeNode, publisher: Node) -> Node:
    """Node B: trusts A, already holds one capsule of its own (9)."""
    node = make_node("b")
    node.trusts(publisher)
    node.record(local_events(9))
    return node


@pytest.fixture
def receiver_store(receiver: Node) -> Iterator[EvolutionRepository]:
    with EvolutionRepository.open(receiver.store_dir, durability="batch") as repository:
        yield repository


@pytest.fixture
def publisher_store(publisher: Node) -> Iterator[EvolutionRepository]:
    with EvolutionRepository.open(publisher.store_dir, readonly=True) as repository:
        yield repository
