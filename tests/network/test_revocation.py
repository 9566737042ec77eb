"""Publisher revokes: honoured only from the node a capsule was imported from."""

from __future__ import annotations

import orjson
import pytest

from evokernel.adapters.network import (
    Bundle,
    BundleReplayError,
    BundleSignatureError,
    NodeIdentity,
    NotPublisherError,
    UntrustedSenderError,
    apply_revocation,
    export_bundle,
    import_bundle,
    seal_bundle,
    sign_revocation,
)
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import AssetStateChanged, RemoteRevocationReceived, parse_event
from evokernel.domain.governor import TransitionReason, may_replay
from evokernel.domain.models import AssetState
from evokernel.errors import AssetNotFoundError
from tests.network.conftest import MakeNode, Node, capsule_id, capsule_moved


@pytest.fixture
def imported(
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> str:
    """Receiver B imported A's capsules; returns capsule 1's id."""
    import_bundle(
        receiver_store, export_bundle(publisher_store, publisher.identity), receiver.trust
    )
    return capsule_id(1)


def test_the_publishers_revoke_is_honoured(
    imported: str, publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    before = receiver_store.log.position()
    assert before is not None

    report = apply_revocation(
        receiver_store, sign_revocation(publisher.identity, imported, "wrong fix"), receiver.trust
    )

    state = receiver_store.view().capsules[imported].state
    assert report.revoked and report.state is AssetState.REVOKED
    assert state is AssetState.REVOKED and not may_replay(state)
    events = [parse_event(r) for r in receiver_store.log.scan(before.seq + 1)]
    assert isinstance(events[0], RemoteRevocationReceived) and events[0].note == "wrong fix"
    assert isinstance(events[1], AssetStateChanged)
    assert events[1].evidence["by"] == publisher.identity.node_id


def test_a_revoke_from_a_trusted_non_publisher_is_refused_and_writes_nothing(
    imported: str, make_node: MakeNode, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    other = make_node("c")
    receiver.trusts(other)
    with receiver.refuses(NotPublisherError) as caught:
        apply_revocation(receiver_store, sign_revocation(other.identity, imported), receiver.trust)

    assert caught.value.publisher is not None and caught.value.asset_id == imported


def test_a_peer_cannot_revoke_a_capsule_captured_here(
    imported: str, publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    with receiver.refuses(NotPublisherError, match="not imported"):
        apply_revocation(
            receiver_store, sign_revocation(publisher.identity, capsule_id(9)), receiver.trust
        )


def test_a_revoke_from_an_unknown_signer_is_refused(
    imported: str, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    with pytest.raises(UntrustedSenderError):
        apply_revocation(
            receiver_store, sign_revocation(NodeIdentity.generate(), imported), receiver.trust
        )


def test_a_tampered_revoke_is_refused(
    imported: str, publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    raw = sign_revocation(publisher.identity, imported).model_dump(mode="json")
    raw["body"]["asset_id"] = capsule_id(2)  # redirect A's revoke to another capsule
    with receiver.refuses(BundleSignatureError):
        apply_revocation(receiver_store, orjson.dumps(raw), receiver.trust)


def test_a_replayed_revoke_is_refused(
    imported: str, publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    revocation = sign_revocation(publisher.identity, imported)
    apply_revocation(receiver_store, revocation, receiver.trust)
    with receiver.refuses(BundleReplayError):
        apply_revocation(receiver_store, revocation.to_json(), receiver.trust)


def test_a_revoke_that_arrives_before_its_capsule_is_applied_when_the_capsule_arrives(
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    before = receiver.events_bytes()
    early = apply_revocation(
        receiver_store, sign_revocation(publisher.identity, capsule_id(1), "bad"), receiver.trust
    )
    assert early.pending and not early.revoked and early.state is None
    assert receiver.events_bytes() == before  # kept beside the store, not in the log yet

    import_bundle(
        receiver_store, export_bundle(publisher_store, publisher.identity), receiver.trust
    )

    assert receiver_store.view().capsules[capsule_id(1)].state is AssetState.REVOKED
    assert not list((receiver.store_dir / "pending-revokes").glob("*.json"))


def test_an_early_revoke_from_a_non_publisher_is_refused_when_the_capsule_arrives(
    publisher: Node,
    publisher_store: EvolutionRepository,
    make_node: MakeNode,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    other = make_node("c")
    receiver.trusts(other)
    early = apply_revocation(
        receiver_store, sign_revocation(other.identity, capsule_id(1)), receiver.trust
    )
    assert early.pending

    import_bundle(
        receiver_store, export_bundle(publisher_store, publisher.identity), receiver.trust
    )

    assert receiver_store.view().capsules[capsule_id(1)].state is AssetState.QUARANTINED
    assert not list((receiver.store_dir / "pending-revokes").glob("*.json"))


def test_a_revoke_of_a_capsule_that_never_arrives_stays_waiting(
    imported: str, publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    with pytest.raises(AssetNotFoundError):
        apply_revocation(
            receiver_store,
            sign_revocation(publisher.identity, "capsule_nope"),
            receiver.trust,
            keep_if_unknown=False,
        )
    report = apply_revocation(
        receiver_store, sign_revocation(publisher.identity, "capsule_nope"), receiver.trust
    )
    assert report.pending
    assert len(list((receiver.store_dir / "pending-revokes").glob("*.json"))) == 1


def _forwarded_by(forwarder: Node, capsule: str) -> None:
    """``forwarder`` validated an imported capsule (promoted it), so it may export it."""
    forwarder.record(
        [
            capsule_moved(
                capsule,
                AssetState.QUARANTINED,
                AssetState.PROMOTED,
                TransitionReason.RESTORED_BY_VALIDATION,
            )
        ]
    )


def _forwarded_to_a_third(
    forwarder: Node, capsule: str, make_node: MakeNode, *also_trusted: Node
) -> tuple[Node, Bundle]:
    """``forwarder`` promotes ``capsule`` and exports it; node C trusts the forwarder (and
    ``also_trusted``). Returns C and the bundle."""
    _forwarded_by(forwarder, capsule)
    third = make_node("c")
    for trusted in (forwarder, *also_trusted):
        third.trusts(trusted)
    with EvolutionRepository.open(forwarder.store_dir, readonly=True) as source:
        return third, export_bundle(source, forwarder.identity)


def test_the_author_not_the_forwarder_is_the_publisher(
    imported: str, publisher: Node, receiver: Node, make_node: MakeNode
) -> None:
    """A -> B -> C: C records A (who signed the capsule) as publisher, not B (who sent it)."""
    third, bundle = _forwarded_to_a_third(receiver, imported, make_node, publisher)
    assert imported in [a.capsule_id for a in bundle.attestations]
    with EvolutionRepository.open(third.store_dir) as store:
        import_bundle(store, bundle, third.trust)
        assert store.view().capsules[imported].imported_from == publisher.identity.node_id
        with pytest.raises(NotPublisherError):
            apply_revocation(store, sign_revocation(receiver.identity, imported), third.trust)
        report = apply_revocation(store, sign_revocation(publisher.identity, imported), third.trust)
    assert report.revoked and report.state is AssetState.REVOKED


def test_an_attestation_that_does_not_verify_refuses_the_bundle(
    imported: str, publisher: Node, receiver: Node, make_node: MakeNode
) -> None:
    third, bundle = _forwarded_to_a_third(receiver, imported, make_node)
    forged = [
        a.model_copy(update={"signature": receiver.identity.sign(b"something else")})
        for a in bundle.attestations
    ]
    resealed = seal_bundle(
        receiver.identity, bundle.genes, bundle.capsules, bundle.events, attestations=forged
    )
    with EvolutionRepository.open(third.store_dir) as store, pytest.raises(BundleSignatureError):
        import_bundle(store, resealed, third.trust)
    assert third.events_bytes() == b""
