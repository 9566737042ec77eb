"""The event union and the two crossings of the store boundary: parse and payload.

The store keeps ``kind`` and ``payload`` opaque; this module gives them meaning. A record is
turned into an event by looking its kind up in ``EVENT_TYPES`` and validating the payload
against that one model (cheaper than trying the union, and it names the seq on failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol, Union, get_args

from pydantic import Field, TypeAdapter, ValidationError

# Each module by its full name: ``from evokernel.domain.events import run`` would make this
# module import its own package, whose root imports this module (an import circle).
import evokernel.domain.events.assets as assets
import evokernel.domain.events.delivery as delivery
import evokernel.domain.events.ledger as ledger
import evokernel.domain.events.network as network
import evokernel.domain.events.replay as replay
import evokernel.domain.events.run as run
from evokernel.domain.events._base import EvolutionEvent
from evokernel.errors import EventPayloadError, UnknownEventKindError, first_problem

# Union[...] rather than X | Y: the members are classes and the union is built once here.
# This is the one list of event models; ``EVENT_TYPES`` is read from it.
Event = Annotated[
    Union[  # noqa: UP007
        run.TaskReceived,
        run.SignalsDetected,
        run.MutationProposed,
        run.ValidationCompleted,
        run.MutationRejected,
        run.AgentCalled,
        run.RunInterrupted,
        run.ToolCalled,
        assets.GeneSolidified,
        assets.CapsuleCommitted,
        assets.AssetStateChanged,
        assets.RemoteAssetImported,
        replay.ReplayLookupRecorded,
        replay.ReplayAttempted,
        replay.CapsuleReused,
        replay.ReplayEconomicsRecorded,
        replay.CapsuleRebased,
        replay.LandingFailed,
        delivery.ApprovalRecorded,
        delivery.DeliveryUpdated,
        ledger.LedgerEntryRecorded,
        network.BundleImported,
        network.RemoteRevocationReceived,
    ],
    Field(discriminator="kind"),
]
"""Any evolution event, discriminated by ``kind``."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
"""Validates any event dict carrying its ``kind``; also gives the union's JSON Schema."""


def _kind_of(model: type[EvolutionEvent]) -> str:
    default = model.model_fields["kind"].default
    assert isinstance(default, str)
    return default


EVENT_TYPES: Mapping[str, type[EvolutionEvent]] = {
    _kind_of(model): model for model in get_args(get_args(Event)[0])
}
"""Event model by kind; the one table that says which kinds this version knows."""

_KINDS: Mapping[type[EvolutionEvent], str] = {model: kind for kind, model in EVENT_TYPES.items()}


class RecordLike(Protocol):
    """What readers of the log need from a store record (``store.Record`` has it): the event
    codec, the report's scan and the runs pass take this rather than ``store.Record``."""

    @property
    def seq(self) -> int: ...

    @property
    def ts(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...


def parse_event(record: RecordLike) -> Event:
    """Turn a store record into its event model.

    Raises:
        UnknownEventKindError: the record's kind is not in ``EVENT_TYPES`` (seq named).
        EventPayloadError: the payload does not validate against the kind's model.
    """
    model = EVENT_TYPES.get(record.kind)
    if model is None:
        raise UnknownEventKindError(record.seq, record.kind)
    payload = record.payload
    if not isinstance(payload, dict):
        raise EventPayloadError(record.seq, record.kind, "payload is not an object")
    if "kind" in payload:
        raise EventPayloadError(record.seq, record.kind, "payload must not repeat 'kind'")
    try:
        event: Event = model.model_validate(payload)  # type: ignore[assignment]
    except ValidationError as exc:
        raise EventPayloadError(record.seq, record.kind, first_problem(exc)) from exc
    return event


def event_payload(event: EvolutionEvent) -> tuple[str, dict[str, Any]]:
    """Return ``(kind, payload)`` ready for ``EventLog.append`` / ``append_many``.

    The payload is the event's JSON form without ``kind`` (the record carries it), with
    defaults included so a reader never depends on this version's defaults.
    """
    kind = _KINDS.get(type(event))
    if kind is None:
        raise TypeError(f"{type(event).__name__} is not a registered evolution event")
    return kind, event.model_dump(mode="json", exclude={"kind"})
