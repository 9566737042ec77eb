"""The projection: what events do to the view, both fold paths, and their agreement."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evokernel.application.projection import EFFECTS, OnEvent, ViewBuilder, apply_at, apply_record
from evokernel.domain.events import (
    EVENT_TYPES,
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalSource,
    AssetStateChanged,
    AssetType,
    CapsuleCommitted,
    EvolutionEvent,
    GeneSolidified,
    ReplayAttempted,
    ReplayOutcome,
    event_payload,
)
from evokernel.domain.models import AssetState, EvidenceKind
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.views import EvolutionView
from evokernel.errors import EventPayloadError, UnknownEventKindError
from store import EventLog, Record
from tests.evokernel.samples import capsule, gene, mixed_stream, one_of_each


def fold_typed(log: EventLog, events: list[EvolutionEvent]) -> EvolutionView:
    """The typed path: ``apply`` on the event objects, dated by their records."""
    builder = ViewBuilder()
    for event, record in zip(events, log.scan(), strict=True):
        apply_at(event, builder, record.seq, record.ts)
    return builder.freeze()


def fold_records(log: EventLog) -> EvolutionView:
    """The store path: ``apply_record`` on raw records."""
    builder = ViewBuilder()
    for record in log.scan():
        apply_record(record, builder)
    return builder.freeze()


def store(log: EventLog, events: list[EvolutionEvent]) -> None:
    log.append_many(event_payload(event) for event in events)


def test_every_event_kind_has_exactly_one_effect() -> None:
    assert set(EFFECTS) == set(EVENT_TYPES)  # one table entry per kind: one home each
    parsed = {kind for kind, effect in EFFECTS.items() if isinstance(effect, OnEvent)}
    # only the kinds that carry a gene, a capsule or a signed message are parsed per record
    assert parsed == {
        "gene_solidified",
        "capsule_committed",
        "remote_asset_imported",
        "capsule_rebased",
        "bundle_imported",
        "remote_revocation_received",
    }


def test_raw_and_typed_folds_agree_on_a_mixed_stream(event_log: EventLog) -> None:
    events = mixed_stream(2_000)
    store(event_log, events)

    typed, raw = fold_typed(event_log, events), fold_records(event_log)

    assert raw == typed
    assert raw.last_seq == 2_000
    # The stream exercises every effect, so the agreement above is not vacuous.
    assert raw.counters.replay_hits and raw.counters.false_replays and raw.counters.revocations


def test_one_of_each_kind_lands_where_it_should(event_log: EventLog) -> None:
    store(event_log, one_of_each())

    view = fold_records(event_log)

    c = view.counters
    assert (c.tasks, c.detections, c.proposals, c.validations, c.rejections) == (1, 1, 1, 1, 1)
    assert (c.agent_calls, c.agent_tokens, c.captures, c.promotions) == (1, 10, 1, 1)
    assert (c.replay_lookups, c.lookups_without_validation) == (1, 0)
    assert (c.replay_attempts, c.replay_validations, c.replay_hits, c.reuses) == (1, 1, 1, 1)
    assert (c.agent_calls_avoided, c.seconds_saved, c.tokens_saved) == (1, 2.5, 10)
    assert (c.human_rejections, c.false_replays, c.deliveries, c.remote_imports) == (1, 1, 1, 1)
    assert view.ledger == {"node-b": -5.0}
    assert view.signal_index == {
        "exception:E1": ["gene_1"],
        "test-failed:tests/t.py::t": ["gene_1"],
    }
    assert view.genes["gene_1"].capsule_ids == ["capsule_1", "capsule_9"]

    mine = view.capsules["capsule_1"]
    assert mine.state is AssetState.PROMOTED
    assert [e.kind for e in mine.evidence] == [
        EvidenceKind.VALIDATED_CAPTURE,
        EvidenceKind.REPLAY_PASSED,
        EvidenceKind.HUMAN_REJECTED,
    ]
    assert [e.seq for e in mine.evidence] == [8, 11, 16]
    assert [v.apply_step for v in mine.variants] == ["relocate"]
    assert (c.rebases, c.landing_failures) == (1, 1)
    assert (mine.reuse_count, mine.replay_run_ids) == (1, ["run-2"])
    assert mine.last_reason is ReasonCode.REJECTED_BY_HUMAN

    imported = view.capsules["capsule_9"]
    assert imported.state is AssetState.QUARANTINED
    assert imported.evidence == [], "an import is not a local validation"
    assert imported.imported_from == "node-b"


def replay(capsule_id: str, outcome: ReplayOutcome) -> ReplayAttempted:
    return ReplayAttempted(
        capsule_id=capsule_id, gene_id="gene_1", replay_run_id="r", task_id="t", outcome=outcome
    )


def test_infra_failures_are_recorded_apart_and_never_against_the_capsule(
    event_log: EventLog,
) -> None:
    store(
        event_log,
        [
            GeneSolidified(run_id="r0", gene=gene(1)),
            CapsuleCommitted(capsule=capsule(1, 1)),
            replay("capsule_1", ReplayOutcome.INFRA_FAILED),
            replay("capsule_1", ReplayOutcome.APPLY_FAILED),
            replay("capsule_1", ReplayOutcome.SKIPPED),
            replay("capsule_1", ReplayOutcome.VALIDATION_FAILED),
        ],
    )

    view = fold_records(event_log)

    kinds = [e.kind for e in view.capsules["capsule_1"].evidence]
    assert kinds == [
        EvidenceKind.VALIDATED_CAPTURE,
        EvidenceKind.INFRA_FAILURE,
        EvidenceKind.REPLAY_FAILED,
    ]
    c = view.counters
    assert (c.replay_attempts, c.replay_validations) == (4, 2)
    assert (c.replay_infra_failures, c.replay_apply_failures, c.replay_skips) == (1, 1, 1)
    assert c.replay_failures == 1 and c.replay_hits == 0


def test_recapture_never_revives_a_revoked_asset(event_log: EventLog) -> None:
    revoke = {
        "from_state": AssetState.PROMOTED,
        "to_state": AssetState.REVOKED,
        "reason_code": ReasonCode.REJECTED_BY_HUMAN,
    }
    store(
        event_log,
        [
            GeneSolidified(run_id="r0", gene=gene(1)),
            CapsuleCommitted(capsule=capsule(1, 1)),
            AssetStateChanged(asset_id="gene_1", asset_type=AssetType.GENE, **revoke),
            AssetStateChanged(asset_id="capsule_1", asset_type=AssetType.CAPSULE, **revoke),
            GeneSolidified(run_id="r1", gene=gene(1)),
            CapsuleCommitted(capsule=capsule(1, 1)),
        ],
    )

    view = fold_records(event_log)

    assert view.genes["gene_1"].state is AssetState.REVOKED
    assert view.capsules["capsule_1"].state is AssetState.REVOKED
    assert view.genes["gene_1"].capsule_ids == ["capsule_1"]
    assert view.counters.revocations == 2


def test_capsule_committed_before_its_gene_is_attached_when_the_gene_arrives(
    event_log: EventLog,
) -> None:
    store(
        event_log,
        [CapsuleCommitted(capsule=capsule(5, 3)), GeneSolidified(run_id="r", gene=gene(3))],
    )

    assert fold_records(event_log).genes["gene_3"].capsule_ids == ["capsule_5"]


def test_approval_of_a_run_that_was_not_a_reuse_is_not_a_false_replay(event_log: EventLog) -> None:
    store(
        event_log,
        [
            CapsuleCommitted(capsule=capsule(1, 1)),
            ApprovalRecorded(
                approver="ana",
                decision=ApprovalDecision.REJECT,
                capsule_id="capsule_1",
                run_id="run-origin-1",
                source=ApprovalSource.DEVLOOP,
            ),
        ],
    )

    counters = fold_records(event_log).counters

    assert (counters.human_rejections, counters.false_replays) == (1, 0)


def test_unknown_kind_stops_the_fold_naming_the_seq(event_log: EventLog) -> None:
    store(event_log, one_of_each()[:4])
    event_log.append("comet_sighted", {})

    with pytest.raises(UnknownEventKindError) as caught:
        fold_records(event_log)

    assert caught.value.seq == 5


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("replay_attempted", {"capsule_id": "c", "outcome": "teleported"}),
        ("asset_state_changed", {"asset_id": "c"}),
        ("replay_economics_recorded", {"agent_calls_avoided": "many"}),
        ("ledger_entry_recorded", {"account": "a", "amount": None}),
    ],
)
def test_raw_payload_that_does_not_fit_is_an_error_naming_the_seq(
    event_log: EventLog, kind: str, payload: dict[str, object]
) -> None:
    event_log.append("task_received", {"run_id": "r", "task": {}})
    event_log.append(kind, payload)

    with pytest.raises(EventPayloadError) as caught:
        fold_records(event_log)

    assert (caught.value.seq, caught.value.kind) == (2, kind)


def test_builder_round_trips_through_a_view(event_log: EventLog) -> None:
    """Catching up from a snapshot starts from ``from_view``; it must lose nothing."""
    events = mixed_stream(600, seed=11)
    store(event_log, events)
    records = list(event_log.scan())

    first = ViewBuilder()
    for record in records[:300]:
        apply_record(record, first)
    resumed = ViewBuilder.from_view(first.freeze())
    for record in records[300:]:
        apply_record(record, resumed)

    assert resumed.freeze() == fold_records(event_log)


def in_memory(events: list[EvolutionEvent]) -> list[Record]:
    """The records a log would hold for ``events`` (hashes left out: the fold never reads them)."""
    records = []
    for seq, event in enumerate(events, start=1):
        kind, payload = event_payload(event)
        payload = json.loads(json.dumps(payload))  # as read back from the store
        records.append(
            Record(seq, f"2026-12-08T00:00:{seq % 60:02d}.000000Z", kind, payload, "", "")
        )
    return records


def fresh(records: list[Record]) -> EvolutionView:
    builder = ViewBuilder()
    for record in records:
        apply_record(record, builder)
    return builder.freeze()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    length=st.integers(1, 300),
    freezes=st.sets(st.integers(1, 300), max_size=15),
    resumes=st.sets(st.integers(1, 300), max_size=3),
)
def test_freezing_between_records_gives_the_view_of_a_fresh_fold(
    seed: int, length: int, freezes: set[int], resumes: set[int]
) -> None:
    """Freezes only rebuild what changed since the last one; that must never show.

    Each view frozen along the way equals a fresh fold of the records up to it, still after
    more records were folded (a view shares values with later ones; none may change), and
    the final view is the fresh fold byte for byte (the snapshot's JSON, map order included).
    A resume continues from a frozen view, as catching up from a snapshot does.
    """
    records = in_memory(mixed_stream(length, seed=seed))
    builder = ViewBuilder()
    frozen: list[tuple[int, EvolutionView]] = []
    for count, record in enumerate(records, start=1):
        apply_record(record, builder)
        if count in freezes:
            frozen.append((count, builder.freeze()))
        if count in resumes:
            builder = ViewBuilder.from_view(builder.freeze())

    final = builder.freeze()

    expected = fresh(records)
    assert final == expected
    assert final.model_dump_json() == expected.model_dump_json()
    for count, view in frozen:
        assert view == fresh(records[:count]), f"the view frozen after record {count}"


def test_a_freeze_after_records_that_touch_no_asset_shares_every_map(
    event_log: EventLog,
) -> None:
    """What a tool call or a run event costs at the next freeze: the counters, not the maps."""
    store(event_log, mixed_stream(400, seed=3))
    builder = ViewBuilder()
    for record in event_log.scan():
        apply_record(record, builder)
    before, position = builder.freeze(), event_log.position()
    assert position is not None
    event_log.append("task_received", {"run_id": "r", "task": {}})
    event_log.append("tool_called", {"run_id": "r2", "tool": "search", "arguments": {}})
    for record in event_log.scan_after(position):
        apply_record(record, builder)

    after = builder.freeze()

    assert after.counters.tasks == before.counters.tasks + 1
    assert after.counters.tool_calls == before.counters.tool_calls + 1
    assert after.genes is before.genes and after.capsules is before.capsules
    assert after.signal_index is before.signal_index and after.accounts is before.accounts
