"""Exporting: only what this node vouches for leaves it, signed, with its justification."""

from __future__ import annotations

from pathlib import Path

from evokernel.adapters.network import NodeIdentity, export_bundle, export_store, verify_bundle
from evokernel.adapters.network.identity import node_id_for
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.governor import TransitionReason
from evokernel.domain.models import AssetState
from store import EventLog
from tests.network.conftest import Node, capsule_id, capsule_moved, local_events


def test_only_promoted_and_candidate_capsules_leave_the_node(
    publisher: Node, publisher_store: EvolutionRepository
) -> None:
    bundle = export_bundle(publisher_store, publisher.identity)

    assert sorted(c.capsule_id for c in bundle.capsules) == sorted([capsule_id(1), capsule_id(2)])
    assert {g.gene_id for g in bundle.genes} == {c.gene_id for c in bundle.capsules}
    assert bundle.manifest.sender_id == publisher.identity.node_id
    assert node_id_for(bundle.manifest.public_key) == bundle.manifest.sender_id


def test_revoked_capsules_are_never_exported(publisher: Node) -> None:
    publisher.record(
        [
            capsule_moved(
                capsule_id(1),
                AssetState.PROMOTED,
                AssetState.REVOKED,
                TransitionReason.REVOKED_BY_COMMAND,
            )
        ]
    )

    bundle = export_store(publisher.store_dir, publisher.identity)

    assert [c.capsule_id for c in bundle.capsules] == [capsule_id(2)]


def test_signals_select_genes_holding_one_of_them(
    publisher_store: EvolutionRepository, publisher: Node
) -> None:
    bundle = export_bundle(
        publisher_store, publisher.identity, ["test-failed:tests/test_m.py::test_2"]
    )

    assert [c.capsule_id for c in bundle.capsules] == [capsule_id(2)]
    assert bundle.manifest.signals == ["test-failed:tests/test_m.py::test_2"]


def test_justifying_events_travel_with_their_capsule(
    publisher_store: EvolutionRepository, publisher: Node
) -> None:
    bundle = export_bundle(publisher_store, publisher.identity)

    assert [(e.kind, e.payload["asset_id"]) for e in bundle.events] == [
        ("asset_state_changed", capsule_id(1))
    ]  # capsule 3's quarantine stays home with capsule 3


def test_an_export_after_a_cursor_holds_only_what_changed_since(publisher: Node) -> None:
    first = export_store(publisher.store_dir, publisher.identity)
    publisher.record(local_events(4))

    second = export_store(publisher.store_dir, publisher.identity, after_seq=first.manifest.cursor)

    assert [c.capsule_id for c in second.capsules] == [capsule_id(4)]
    assert second.manifest.cursor > first.manifest.cursor
    with EventLog.open_readonly(publisher.store_dir) as log:
        head = log.position()
    assert head is not None and second.manifest.cursor == head.seq


def test_a_node_without_a_store_exports_an_empty_signed_bundle(tmp_path: Path) -> None:
    identity = NodeIdentity.generate()

    bundle = export_store(tmp_path / "missing", identity)

    assert bundle.asset_ids == [] and bundle.manifest.cursor == 0
    assert not (tmp_path / "missing").exists()  # exporting never writes


def test_exporting_never_writes(publisher: Node) -> None:
    before = publisher.events_bytes()
    listing = sorted(p.name for p in publisher.store_dir.iterdir())

    export_store(publisher.store_dir, publisher.identity)

    assert publisher.events_bytes() == before
    assert sorted(p.name for p in publisher.store_dir.iterdir()) == listing


def test_an_exported_bundle_verifies_for_a_peer_that_trusts_the_sender(
    publisher_store: EvolutionRepository, publisher: Node, receiver: Node
) -> None:
    data = export_bundle(publisher_store, publisher.identity).to_json()

    verified = verify_bundle(data, receiver.trust)

    assert not verified.new_sender
    assert verified.bundle.manifest.counts.capsules == 2
