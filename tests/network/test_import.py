"""Importing bundles: signature, hash and replay checks with real keys; nothing written on
refusal (the events file is compared byte for byte); imports arrive quarantined."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from evokernel.adapters.network import (
    BundleContentError,
    BundleEvent,
    BundleHashError,
    BundleReplayError,
    BundleSignatureError,
    MessageFormatError,
    MessageRefusedError,
    NodeIdentity,
    UntrustedSenderError,
    export_bundle,
    import_bundle,
    seal_bundle,
)
from evokernel.adapters.network.trust import TrustSource
from evokernel.application.kernel.fingerprint import diff_hash
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    BundleImported,
    LedgerEntryRecorded,
    RemoteAssetImported,
    parse_event,
)
from evokernel.domain.ids import content_id
from evokernel.domain.models import AssetState, Capsule
from sandbox import BlastRadius
from tests.network.conftest import MakeNode, Node, assets, capsule_id

Raw = dict[str, Any]


def exported(store: EvolutionRepository, node: Node) -> Raw:
    """A's bundle as a receiver gets it: decoded JSON."""
    data: Raw = orjson.loads(export_bundle(store, node.identity).to_json())
    return data


def set_path(raw: Raw, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target: Any = raw
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value


def other_key() -> str:
    return NodeIdentity.generate().public_key


def other_id() -> str:
    return NodeIdentity.generate().node_id


def flip(signature: str) -> str:
    return ("B" if signature[0] == "A" else "A") + signature[1:]


def setter(path: str, value: Any) -> Callable[[Raw], None]:
    return lambda raw: set_path(raw, path, value() if callable(value) else value)


FMT, SIG, HASH = MessageFormatError, BundleSignatureError, BundleHashError

# (field tampered, how, the refusal it must meet)
TAMPERINGS: list[tuple[str, Callable[[Raw], None], type[MessageRefusedError]]] = [
    ("manifest.format", setter("manifest.format", "evokernel-bundle/2"), FMT),
    ("manifest.sender_id", setter("manifest.sender_id", other_id), SIG),
    ("manifest.public_key", setter("manifest.public_key", other_key), SIG),
    ("manifest.message_id", setter("manifest.message_id", "msg_forged"), SIG),
    ("manifest.created_at", setter("manifest.created_at", "2001-01-01T00:00:00Z"), SIG),
    ("manifest.content_hash", setter("manifest.content_hash", "0" * 64), SIG),
    ("manifest.counts", setter("manifest.counts.capsules", 7), SIG),
    ("manifest.cursor", setter("manifest.cursor", 1), SIG),
    ("manifest.signals", setter("manifest.signals", ["x:y"]), SIG),
    ("gene.signature", lambda r: r["genes"][0]["signature"].append("lint:F401"), HASH),
    ("gene.strategy_summaries", setter("genes.0.strategy_summaries", ["rm -rf"]), HASH),
    ("capsule.diff", lambda r: set_path(r, "capsules.0.diff", r["capsules"][0]["diff"][:-2]), HASH),
    ("capsule.capsule_id", setter("capsules.0.capsule_id", "capsule_0"), HASH),
    ("capsule.evidence", setter("capsules.0.evidence.fail_to_pass", ["t"]), HASH),
    ("capsule.blast_radius", setter("capsules.0.blast_radius.files", []), HASH),
    ("capsule removed", lambda r: r["capsules"].pop(), HASH),
    ("event.payload", setter("events.0.payload.to_state", "revoked"), HASH),
    ("signature", lambda r: set_path(r, "signature", flip(r["signature"])), SIG),
    ("signature missing", lambda r: r.pop("signature"), FMT),
    ("extra top-level key", setter("state", "promoted"), FMT),
]


@pytest.mark.parametrize(("field", "tamper", "refusal"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_tampering_with_any_field_is_refused_and_writes_nothing(
    field: str,
    tamper: Callable[[Raw], None],
    refusal: type[MessageRefusedError],
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    raw = exported(publisher_store, publisher)
    assert raw["events"], "the bundle should carry a justifying event to tamper with"
    tamper(raw)
    peers_before = receiver.trust.path.read_bytes()

    with receiver.refuses(refusal):
        import_bundle(receiver_store, orjson.dumps(raw), receiver.trust, tofu=True)

    assert receiver.trust.path.read_bytes() == peers_before


def test_an_untampered_bundle_imports_quarantined_from_its_publisher(
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    report = import_bundle(
        receiver_store, export_bundle(publisher_store, publisher.identity).to_json(), receiver.trust
    )

    view = receiver_store.view()
    assert report.imported_capsules == sorted([capsule_id(1), capsule_id(2)])
    for cid in report.imported_capsules:
        assert view.capsules[cid].state is AssetState.QUARANTINED
        assert view.capsules[cid].imported_from == publisher.identity.node_id
        assert view.capsules[cid].evidence == []  # the sender's evidence is never counted
    for gid in report.imported_genes:
        assert view.genes[gid].state is AssetState.QUARANTINED
    assert view.network_messages == {report.message_id: publisher.identity.node_id}


def test_the_import_is_one_group_commit_ending_with_the_bundle_record(
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    before = receiver_store.log.position()
    assert before is not None
    report = import_bundle(receiver_store, exported(publisher_store, publisher), receiver.trust)

    records = list(receiver_store.log.scan(before.seq + 1))
    events = [parse_event(r) for r in records]
    assert len({r.ts for r in records}) == 1  # one append_many
    imported = [e for e in events[:-1] if isinstance(e, RemoteAssetImported)]
    stakes = [e for e in events[:-1] if isinstance(e, LedgerEntryRecorded)]
    assert len(imported) + len(stakes) == len(events) - 1
    # The publisher stakes once per capsule it published, in the same commit.
    assert sorted(s.capsule_id or "" for s in stakes) == sorted(report.imported_capsules)
    assert all(s.account == report.sender_id and s.amount < 0 for s in stakes)
    assert isinstance(events[-1], BundleImported)
    assert events[-1].message_id == report.message_id
    assert sorted(events[-1].imported) == sorted(report.imported_genes + report.imported_capsules)


def test_a_replayed_bundle_is_refused_and_writes_nothing(
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    data = export_bundle(publisher_store, publisher.identity).to_json()
    import_bundle(receiver_store, data, receiver.trust)
    with receiver.refuses(BundleReplayError):
        import_bundle(receiver_store, data, receiver.trust)


def test_an_unknown_sender_is_refused_unless_trusted_on_first_use(
    make_node: MakeNode, publisher: Node, publisher_store: EvolutionRepository
) -> None:
    stranger = make_node("c")
    stranger.record([])
    data = export_bundle(publisher_store, publisher.identity).to_json()
    with EvolutionRepository.open(stranger.store_dir) as store:
        with pytest.raises(UntrustedSenderError):
            import_bundle(store, data, stranger.trust)
        assert stranger.events_bytes() == b""
        assert stranger.trust.get(publisher.identity.node_id) is None

        report = import_bundle(store, data, stranger.trust, tofu=True)

    peer = stranger.trust.get(publisher.identity.node_id)
    assert report.trusted_on_first_use and report.imported_capsules
    assert peer is not None and peer.source is TrustSource.TOFU
    assert peer.public_key == publisher.identity.public_key


def test_a_sender_impersonating_a_trusted_node_is_refused(
    publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    """An attacker signs with its own key but claims A's node id."""
    attacker = NodeIdentity.generate()
    genes, capsules = assets(5)
    bundle = seal_bundle(attacker, genes, capsules)
    raw = bundle.model_dump(mode="json")
    raw["manifest"]["sender_id"] = publisher.identity.node_id
    raw["signature"] = attacker.sign(orjson.dumps(raw["manifest"], option=orjson.OPT_SORT_KEYS))
    with receiver.refuses(BundleSignatureError, match="fingerprint"):
        import_bundle(receiver_store, raw, receiver.trust, tofu=True)


def bad_content_cases() -> list[tuple[str, Callable[[], tuple[list[Any], list[Any], list[Any]]]]]:
    def wrong_capsule_id() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        return genes, [capsules[0].model_copy(update={"capsule_id": capsule_id(1)})], []

    def wrong_gene_id() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        forged = genes[0].model_copy(update={"signature": ["exception:Other"]})
        return [forged], capsules, []

    def wrong_diff_hash() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        return genes, [capsules[0].model_copy(update={"diff_hash": "0" * 64})], []

    def missing_gene() -> tuple[list[Any], list[Any], list[Any]]:
        _genes, capsules = assets(5)
        return [], capsules, []

    def hostile_path() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        return genes, [rediff(capsules[0], change_path("../outside.py"))], []

    def into_git() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        return genes, [rediff(capsules[0], change_path(".git/hooks/pre-commit"))], []

    def bundle_event(kind: str, **payload: Any) -> BundleEvent:
        return BundleEvent(seq=3, ts="2024-01-01T00:00:00Z", kind=kind, payload=payload)

    def approval_event() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        capsule_id = capsules[0].capsule_id
        event = bundle_event(
            "approval_recorded",
            approver="ana",
            decision="approve",
            capsule_id=capsule_id,
            run_id="r",
            source="devloop",
            note="",
        )
        return genes, capsules, [event]

    def event_about_another_asset() -> tuple[list[Any], list[Any], list[Any]]:
        genes, capsules = assets(5)
        event = bundle_event(
            "capsule_reused",
            capsule_id="capsule_x",
            gene_id="g",
            run_id="r",
            replay_run_id="s",
            task_id=None,
        )
        return genes, capsules, [event]

    def claims(**numbers: Any) -> Callable[[], tuple[list[Any], list[Any], list[Any]]]:
        def build() -> tuple[list[Any], list[Any], list[Any]]:
            genes, capsules = assets(5)
            return genes, [capsules[0].model_copy(update=numbers)], []

        return build

    return [
        ("negative capture tokens", claims(capture_tokens=-5)),
        ("absurd capture tokens", claims(capture_tokens=10**12)),
        ("negative capture seconds", claims(capture_seconds=-1.0)),
        (
            "negative evidence duration",
            claims(evidence=assets(5)[1][0].evidence.model_copy(update={"duration_s": -3.0})),
        ),
        ("capsule id not of its content", wrong_capsule_id),
        ("gene id not of its signature", wrong_gene_id),
        ("diff hash not of its diff", wrong_diff_hash),
        ("capsule without its gene", missing_gene),
        ("diff leaving the repository", hostile_path),
        ("diff writing into .git", into_git),
        ("an approval event (names people)", approval_event),
        ("an event about an asset not in the bundle", event_about_another_asset),
    ]


def rediff(capsule: Capsule, diff: str) -> Capsule:
    """``capsule`` with another diff and the ids that diff really gives (a careful forger)."""
    digest = diff_hash(diff)
    new_id = content_id("capsule", {"gene_id": capsule.gene_id, "diff_hash": digest})
    return capsule.model_copy(update={"diff": diff, "diff_hash": digest, "capsule_id": new_id})


def change_path(path: str) -> str:
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"


@pytest.mark.parametrize(
    ("case", "build"), bad_content_cases(), ids=[c[0] for c in bad_content_cases()]
)
def test_a_signed_bundle_whose_content_lies_about_itself_is_refused(
    case: str,
    build: Callable[[], tuple[list[Any], list[Any], list[Any]]],
    publisher: Node,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    """Signed by a trusted publisher, correctly hashed, and still refused."""
    genes, capsules, events = build()
    bundle = seal_bundle(publisher.identity, genes, capsules, events)
    with receiver.refuses(BundleContentError):
        import_bundle(receiver_store, bundle, receiver.trust)


def test_the_senders_blast_radius_is_replaced_by_one_counted_from_the_diff(
    publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    genes, capsules = assets(5)
    lying = capsules[0].model_copy(update={"blast_radius": BlastRadius()})

    import_bundle(receiver_store, seal_bundle(publisher.identity, genes, [lying]), receiver.trust)

    radius = receiver_store.view().capsules[lying.capsule_id].capsule.blast_radius
    assert radius == BlastRadius(files=["pkg/m5.py"], lines_added=1, lines_removed=1)


def test_assets_already_known_are_skipped_and_keep_their_state(
    publisher: Node, receiver: Node, receiver_store: EvolutionRepository
) -> None:
    genes, capsules = assets(9, 6)  # 9 is the receiver's own capsule

    report = import_bundle(
        receiver_store, seal_bundle(publisher.identity, genes, capsules), receiver.trust
    )

    view = receiver_store.view()
    assert capsule_id(9) in report.skipped and report.imported_capsules == [capsule_id(6)]
    assert view.capsules[capsule_id(9)].state is AssetState.CANDIDATE
    assert view.capsules[capsule_id(9)].imported_from is None


def test_a_bundle_model_and_its_json_import_the_same(
    publisher: Node,
    publisher_store: EvolutionRepository,
    receiver: Node,
    receiver_store: EvolutionRepository,
) -> None:
    bundle = export_bundle(publisher_store, publisher.identity)
    tampered = copy.deepcopy(bundle.model_dump(mode="json"))
    tampered["capsules"][0]["intent"] = "changed"

    with pytest.raises(BundleHashError):
        import_bundle(receiver_store, tampered, receiver.trust)
    report = import_bundle(receiver_store, bundle, receiver.trust)

    assert len(report.imported_capsules) == 2


def test_two_concurrent_imports_of_one_bundle_record_it_once(
    publisher: Node, publisher_store: EvolutionRepository, receiver: Node
) -> None:
    """Each importer has its own EventLog (as two processes would); the network lock makes
    the replay check and the append one step."""
    data = export_bundle(publisher_store, publisher.identity).to_json()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def importer() -> None:
        with EvolutionRepository.open(receiver.store_dir) as store:
            barrier.wait(timeout=30)
            try:
                import_bundle(store, data, receiver.trust)
                outcomes.append("imported")
            except BundleReplayError:
                outcomes.append("replay")

    threads = [threading.Thread(target=importer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["imported", "replay"]
    with EvolutionRepository.open(receiver.store_dir, readonly=True) as store:
        kinds = [record.kind for record in store.log.scan()]
    assert kinds.count("bundle_imported") == 1
