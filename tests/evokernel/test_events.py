"""Events: the kind table, round trips through a real log, and typed errors for bad records."""

from __future__ import annotations

import re
import typing

import pytest

from evokernel.domain.events import (
    EVENT_ADAPTER,
    EVENT_TYPES,
    AssetType,
    CapsuleReused,
    EvolutionEvent,
    RemoteAssetImported,
    event_payload,
    parse_event,
)
from evokernel.errors import EventPayloadError, UnknownEventKindError
from store import EventLog
from tests.evokernel.samples import capsule, gene, one_of_each


def test_every_kind_round_trips_through_a_real_event_log(event_log: EventLog) -> None:
    events = one_of_each()
    event_log.append_many(event_payload(event) for event in events)

    parsed = [parse_event(record) for record in event_log.scan()]

    assert parsed == events
    assert {record.kind for record in event_log.scan()} == set(EVENT_TYPES)


def test_payload_leaves_kind_to_the_record() -> None:
    kind, payload = event_payload(
        CapsuleReused(capsule_id="c", gene_id="g", run_id="origin", replay_run_id="caller")
    )

    assert kind == "capsule_reused"
    assert payload == {
        "capsule_id": "c",
        "gene_id": "g",
        "run_id": "origin",
        "replay_run_id": "caller",
        "task_id": None,
    }


def test_unknown_kind_is_an_error_naming_the_seq(event_log: EventLog) -> None:
    event_log.append_many(event_payload(event) for event in one_of_each()[:2])
    event_log.append("comet_sighted", {"where": "north"})

    stored = list(event_log.scan())[2]
    with pytest.raises(UnknownEventKindError) as caught:
        parse_event(stored)

    assert (caught.value.seq, caught.value.kind) == (3, "comet_sighted")
    assert "seq=3" in str(caught.value)


def test_payload_that_does_not_fit_its_kind_names_seq_and_field(event_log: EventLog) -> None:
    event_log.append("capsule_reused", {"capsule_id": "c", "gene_id": "g", "run_id": "r"})

    with pytest.raises(EventPayloadError) as caught:
        parse_event(next(event_log.scan()))

    assert caught.value.seq == 1
    assert "replay_run_id" in str(caught.value)


def test_payload_repeating_kind_is_refused(event_log: EventLog) -> None:
    kind, payload = event_payload(one_of_each()[0])
    event_log.append(kind, {**payload, "kind": kind})

    with pytest.raises(EventPayloadError, match="kind"):
        parse_event(next(event_log.scan()))


@pytest.mark.parametrize("model", list(EVENT_TYPES.values()), ids=list(EVENT_TYPES))
def test_event_models_follow_the_naming_contract(model: type[EvolutionEvent]) -> None:
    field = model.model_fields["kind"]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()

    assert model.__name__.endswith("ed"), "events are named in the past tense"
    assert typing.get_args(field.annotation) == (snake,)
    assert field.default == snake
    assert field.description == "Discriminator. Do not change."
    assert model.model_config.get("frozen") and model.model_config.get("extra") == "forbid"
    undocumented = [name for name, f in model.model_fields.items() if not f.description]
    assert not undocumented, f"fields without a docstring: {undocumented}"


def test_union_schema_discriminates_every_kind() -> None:
    schema = EVENT_ADAPTER.json_schema()

    assert set(schema["discriminator"]["mapping"]) == set(EVENT_TYPES)


def test_union_validates_a_dict_carrying_its_kind() -> None:
    kind, payload = event_payload(one_of_each()[0])

    assert EVENT_ADAPTER.validate_python({"kind": kind, **payload}) == one_of_each()[0]


@pytest.mark.parametrize(
    ("asset_id", "carried", "problem"),
    [
        ("gene_1", {"capsule": capsule(1, 1)}, "needs exactly that asset"),
        ("gene_2", {"gene": gene(1)}, "does not match"),
    ],
    ids=["a_capsule_for_a_gene", "another_gene"],
)
def test_remote_import_must_carry_the_asset_its_type_names(
    asset_id: str, carried: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        RemoteAssetImported.model_validate(
            {
                "asset_id": asset_id,
                "asset_type": AssetType.GENE,
                "sender_id": "n",
                "message_id": "m",
                "bundle_hash": "h",
                **carried,
            }
        )
