"""What each event does to a view: one entry per event kind in ``EFFECTS``.

Most kinds need only a few scalars: their effect is a function over the payload dict, because
a fold over the store reads payloads, and building a pydantic event per record would dominate
a million-event rebuild. Kinds that carry a gene or a capsule need the parsed event: their
entry is ``OnEvent(effect)``, and a record of that kind is parsed before its effect runs. Both
``apply_record`` (the store path) and ``apply`` (a typed event) look the kind up in the one
table, so the two paths share every effect and no kind can have two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

from evokernel.application.projection.builder import ViewBuilder
from evokernel.domain.events import (
    ApprovalDecision,
    AssetType,
    BundleImported,
    CapsuleCommitted,
    CapsuleRebased,
    EvolutionEvent,
    GeneSolidified,
    LedgerEntryKind,
    RecordLike,
    RemoteAssetImported,
    RemoteRevocationReceived,
    ReplayOutcome,
    event_payload,
    parse_event,
)
from evokernel.domain.events.assets import StateReason
from evokernel.domain.models import AssetState, TransitionReason
from evokernel.domain.models.feedback import ReasonCode
from evokernel.errors import EventPayloadError, UnknownEventKindError

Payload = dict[str, Any]
PayloadEffect = Callable[[Payload, ViewBuilder], None]
_Event = TypeVar("_Event", bound=EvolutionEvent)


class OnEvent(Generic[_Event]):
    """An effect that needs the parsed event (it carries a gene or a capsule)."""

    __slots__ = ("effect",)

    def __init__(self, effect: Callable[[_Event, ViewBuilder], None]) -> None:
        self.effect = effect


# -- kinds folded from their payload -----------------------------------------------------
# Defaults below mirror the event models' defaults; enum fields are converted so a bad value
# is an error, not a silent miscount.


def _count_validation(view: ViewBuilder, infra_failure: bool, seconds: float) -> None:
    view.count("validations")
    view.count("validation_seconds", seconds)
    if infra_failure:
        view.count("infra_failures")


def _count_agent_call(
    view: ViewBuilder, tokens_in: int | None, tokens_out: int | None, seconds: float, ok: bool
) -> None:
    view.count("agent_calls")
    view.count("agent_tokens", (tokens_in or 0) + (tokens_out or 0))
    view.count("agent_seconds", seconds)
    if not ok:
        view.count("agent_failures")


def _count_lookup(view: ViewBuilder, reached_validation: bool) -> None:
    view.count("replay_lookups")
    if not reached_validation:
        view.count("lookups_without_validation")


def _optional_reason(value: Any) -> ReasonCode | None:
    return None if value is None else ReasonCode(value)


def _state_reason(value: Any) -> StateReason:
    try:
        return TransitionReason(value)
    except ValueError:
        return ReasonCode(value)


# -- kinds that carry a gene or a capsule ------------------------------------------------


def _gene_solidified(event: GeneSolidified, view: ViewBuilder) -> None:
    view.solidify_gene(event.gene)


def _capsule_committed(event: CapsuleCommitted, view: ViewBuilder) -> None:
    view.count("captures")
    view.commit_capsule(event.capsule, event.state, validated=True)


def _remote_asset_imported(event: RemoteAssetImported, view: ViewBuilder) -> None:
    view.count("remote_imports")
    if event.gene is not None:
        view.solidify_gene(event.gene, event.state, imported_from=event.sender_id)
    if event.capsule is not None:
        publisher = event.publisher_id or event.sender_id  # its author, not its forwarder
        view.commit_capsule(event.capsule, event.state, validated=False, imported_from=publisher)


def _capsule_rebased(event: CapsuleRebased, view: ViewBuilder) -> None:
    view.capsule_rebased(event.variant)


def _network_message(event: BundleImported | RemoteRevocationReceived, view: ViewBuilder) -> None:
    view.network_message(event.message_id, event.sender_id)


# -- the one table ---------------------------------------------------------------------------

EFFECTS: dict[str, PayloadEffect | OnEvent[Any]] = {
    "task_received": lambda p, v: v.count("tasks"),
    "signals_detected": lambda p, v: v.count("detections"),
    "mutation_proposed": lambda p, v: v.count("proposals"),
    "validation_completed": lambda p, v: _count_validation(
        v, bool(p.get("infra_failure")), float(p.get("duration_s") or 0.0)
    ),
    "mutation_rejected": lambda p, v: v.count("rejections"),
    "agent_called": lambda p, v: _count_agent_call(
        v,
        p.get("tokens_in"),
        p.get("tokens_out"),
        float(p.get("latency_s") or 0.0),
        bool(p.get("ok", True)),
    ),
    "asset_state_changed": lambda p, v: v.change_state(
        AssetType(p["asset_type"]),
        p["asset_id"],
        AssetState(p["to_state"]),
        _state_reason(p["reason_code"]),
    ),
    "replay_lookup_recorded": lambda p, v: _count_lookup(v, bool(p["reached_validation"])),
    "replay_attempted": lambda p, v: v.replay_attempted(
        p["capsule_id"], ReplayOutcome(p["outcome"]), _optional_reason(p.get("reason_code"))
    ),
    "capsule_reused": lambda p, v: v.capsule_reused(p["capsule_id"], p["replay_run_id"]),
    "landing_failed": lambda p, v: v.count("landing_failures"),
    "replay_economics_recorded": lambda p, v: v.economics(
        int(p.get("agent_calls_avoided", 0)),
        float(p.get("seconds_saved", 0.0)),
        int(p.get("tokens_saved") or 0),
    ),
    "approval_recorded": lambda p, v: v.approval(
        ApprovalDecision(p["decision"]), p.get("capsule_id"), p["run_id"]
    ),
    "delivery_updated": lambda p, v: v.count("deliveries"),
    "run_interrupted": lambda p, v: v.count("interrupted_runs"),
    "tool_called": lambda p, v: v.count("tool_calls"),
    "ledger_entry_recorded": lambda p, v: v.ledger_entry(
        p["account"], float(p["amount"]), LedgerEntryKind(p["entry_kind"])
    ),
    "gene_solidified": OnEvent(_gene_solidified),
    "capsule_committed": OnEvent(_capsule_committed),
    "remote_asset_imported": OnEvent(_remote_asset_imported),
    "capsule_rebased": OnEvent(_capsule_rebased),
    "bundle_imported": OnEvent(_network_message),
    "remote_revocation_received": OnEvent(_network_message),
}
"""Event kind -> its effect on the view: over the payload, or ``OnEvent`` over the parsed event."""


# -- entry points ------------------------------------------------------------------------


def apply(event: EvolutionEvent, view: ViewBuilder) -> ViewBuilder:
    """Apply one event to ``view`` (at ``view.seq`` / ``view.ts``) and return it.

    Raises:
        TypeError: ``event`` is not a registered evolution event.
    """
    effect = EFFECTS.get(getattr(event, "kind", ""))
    if isinstance(effect, OnEvent):
        effect.effect(event, view)  # already parsed: no round trip through its payload
        return view
    kind, payload = event_payload(event)  # TypeError for a class that is no event kind
    effect = EFFECTS[kind]
    if isinstance(effect, OnEvent):
        effect.effect(event, view)
    else:
        effect(payload, view)
    return view


def apply_at(event: EvolutionEvent, view: ViewBuilder, seq: int, ts: str | datetime) -> ViewBuilder:
    """Apply a typed event as if it were the record ``seq`` written at ``ts``."""
    view.seq = seq
    view.ts = ts
    return apply(event, view)


def apply_record(record: RecordLike, view: ViewBuilder) -> ViewBuilder:
    """Fold one store record into ``view``.

    Raises:
        UnknownEventKindError: the record's kind is unknown (seq named).
        EventPayloadError: the payload lacks or mistypes a field the projection reads.
    """
    view.seq = record.seq
    view.ts = record.ts
    effect = EFFECTS.get(record.kind)
    if effect is None:
        raise UnknownEventKindError(record.seq, record.kind)
    if isinstance(effect, OnEvent):
        effect.effect(parse_event(record), view)  # parse_event names a bad payload's seq
        return view
    try:
        effect(record.payload, view)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EventPayloadError(record.seq, record.kind, f"{type(exc).__name__}: {exc}") from exc
    return view
