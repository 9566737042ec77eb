"""What each event does to a view, in two forms that call the same builder effects.

``apply(event, view)`` is the functional projection of eventsourcing's example: one function
registered per event class with ``singledispatch``. ``apply_record(record, view)`` is what a
fold over the store uses: for kinds whose effect needs a few scalars it reads them straight
from the payload (building a pydantic event per record would dominate a million-event
rebuild); kinds that carry a gene or capsule are parsed in full with ``parse_event``. A test
folds every kind both ways and compares the views.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import singledispatch
from typing import Any

from evokernel.errors import EventPayloadError
from evokernel.events import (
    AgentCalled,
    ApprovalDecision,
    ApprovalRecorded,
    AssetStateChanged,
    AssetType,
    BundleImported,
    CapsuleCommitted,
    CapsuleRebased,
    CapsuleReused,
    DeliveryUpdated,
    EvolutionEvent,
    GeneSolidified,
    LandingFailed,
    LedgerEntryKind,
    LedgerEntryRecorded,
    MutationProposed,
    MutationRejected,
    RecordLike,
    RemoteAssetImported,
    RemoteRevocationReceived,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
    ReplayOutcome,
    SignalsDetected,
    TaskReceived,
    ValidationCompleted,
    parse_event,
)
from evokernel.events.assets import StateReason
from evokernel.models import AssetState, TransitionReason
from evokernel.models.feedback import ReasonCode
from evokernel.projection.builder import ViewBuilder

Payload = dict[str, Any]


@singledispatch
def apply(event: EvolutionEvent, view: ViewBuilder) -> ViewBuilder:
    """Apply one event to ``view`` (at ``view.seq`` / ``view.ts``) and return it."""
    raise TypeError(f"no projection registered for {type(event).__name__}")


def apply_at(event: EvolutionEvent, view: ViewBuilder, seq: int, ts: str | datetime) -> ViewBuilder:
    """Apply a typed event as if it were the record ``seq`` written at ``ts``."""
    view.seq = seq
    view.ts = ts
    return apply(event, view)


# -- run events: counters only -----------------------------------------------------------


@apply.register
def _task_received(event: TaskReceived, view: ViewBuilder) -> ViewBuilder:
    view.count("tasks")
    return view


@apply.register
def _signals_detected(event: SignalsDetected, view: ViewBuilder) -> ViewBuilder:
    view.count("detections")
    return view


@apply.register
def _mutation_proposed(event: MutationProposed, view: ViewBuilder) -> ViewBuilder:
    view.count("proposals")
    return view


@apply.register
def _validation_completed(event: ValidationCompleted, view: ViewBuilder) -> ViewBuilder:
    _count_validation(view, event.infra_failure, event.duration_s)
    return view


def _count_validation(view: ViewBuilder, infra_failure: bool, seconds: float) -> None:
    view.count("validations")
    view.count("validation_seconds", seconds)
    if infra_failure:
        view.count("infra_failures")


@apply.register
def _mutation_rejected(event: MutationRejected, view: ViewBuilder) -> ViewBuilder:
    view.count("rejections")
    return view


@apply.register
def _agent_called(event: AgentCalled, view: ViewBuilder) -> ViewBuilder:
    _count_agent_call(view, event.tokens_in, event.tokens_out, event.latency_s, event.ok)
    return view


def _count_agent_call(
    view: ViewBuilder, tokens_in: int | None, tokens_out: int | None, seconds: float, ok: bool
) -> None:
    view.count("agent_calls")
    view.count("agent_tokens", (tokens_in or 0) + (tokens_out or 0))
    view.count("agent_seconds", seconds)
    if not ok:
        view.count("agent_failures")


# -- assets ---------------------------------------------------------------------------------


@apply.register
def _gene_solidified(event: GeneSolidified, view: ViewBuilder) -> ViewBuilder:
    view.solidify_gene(event.gene)
    return view


@apply.register
def _capsule_committed(event: CapsuleCommitted, view: ViewBuilder) -> ViewBuilder:
    view.count("captures")
    view.commit_capsule(event.capsule, event.state, validated=True)
    return view


@apply.register
def _asset_state_changed(event: AssetStateChanged, view: ViewBuilder) -> ViewBuilder:
    view.change_state(event.asset_type, event.asset_id, event.to_state, event.reason_code)
    return view


@apply.register
def _remote_asset_imported(event: RemoteAssetImported, view: ViewBuilder) -> ViewBuilder:
    view.count("remote_imports")
    if event.gene is not None:
        view.solidify_gene(event.gene, event.state, imported_from=event.sender_id)
    if event.capsule is not None:
        publisher = event.publisher_id or event.sender_id  # its author, not its forwarder
        view.commit_capsule(event.capsule, event.state, validated=False, imported_from=publisher)
    return view


# -- replay -----------------------------------------------------------------------------------


@apply.register
def _replay_lookup_recorded(event: ReplayLookupRecorded, view: ViewBuilder) -> ViewBuilder:
    _count_lookup(view, event.reached_validation)
    return view


def _count_lookup(view: ViewBuilder, reached_validation: bool) -> None:
    view.count("replay_lookups")
    if not reached_validation:
        view.count("lookups_without_validation")


@apply.register
def _replay_attempted(event: ReplayAttempted, view: ViewBuilder) -> ViewBuilder:
    view.replay_attempted(event.capsule_id, event.outcome, event.reason_code)
    return view


@apply.register
def _capsule_reused(event: CapsuleReused, view: ViewBuilder) -> ViewBuilder:
    view.capsule_reused(event.capsule_id, event.replay_run_id)
    return view


@apply.register
def _capsule_rebased(event: CapsuleRebased, view: ViewBuilder) -> ViewBuilder:
    view.capsule_rebased(event.variant)
    return view


@apply.register
def _landing_failed(event: LandingFailed, view: ViewBuilder) -> ViewBuilder:
    view.count("landing_failures")
    return view


@apply.register
def _replay_economics_recorded(event: ReplayEconomicsRecorded, view: ViewBuilder) -> ViewBuilder:
    view.economics(event.agent_calls_avoided, event.seconds_saved, event.tokens_saved or 0)
    return view


# -- verdicts, delivery, ledger -------------------------------------------------------------


@apply.register
def _approval_recorded(event: ApprovalRecorded, view: ViewBuilder) -> ViewBuilder:
    view.approval(event.decision, event.capsule_id, event.run_id)
    return view


@apply.register
def _delivery_updated(event: DeliveryUpdated, view: ViewBuilder) -> ViewBuilder:
    view.count("deliveries")
    return view


@apply.register
def _ledger_entry_recorded(event: LedgerEntryRecorded, view: ViewBuilder) -> ViewBuilder:
    view.ledger_entry(event.account, event.amount, event.entry_kind)
    return view


# -- network messages -------------------------------------------------------------------------


@apply.register
def _bundle_imported(event: BundleImported, view: ViewBuilder) -> ViewBuilder:
    view.network_message(event.message_id, event.sender_id)
    return view


@apply.register
def _remote_revocation_received(event: RemoteRevocationReceived, view: ViewBuilder) -> ViewBuilder:
    view.network_message(event.message_id, event.sender_id)
    return view


# -- the raw path: same effects, read from the payload dict --------------------------------
# Defaults below mirror the event models' defaults; enum fields are converted so a bad value
# is an error, not a silent miscount.


def _optional_reason(value: Any) -> ReasonCode | None:
    return None if value is None else ReasonCode(value)


def _state_reason(value: Any) -> StateReason:
    try:
        return TransitionReason(value)
    except ValueError:
        return ReasonCode(value)


RAW_HANDLERS: dict[str, Callable[[Payload, ViewBuilder], None]] = {
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
    "replay_economics_recorded": lambda p, v: v.economics(
        int(p.get("agent_calls_avoided", 0)),
        float(p.get("seconds_saved", 0.0)),
        int(p.get("tokens_saved") or 0),
    ),
    "approval_recorded": lambda p, v: v.approval(
        ApprovalDecision(p["decision"]), p.get("capsule_id"), p["run_id"]
    ),
    "delivery_updated": lambda p, v: v.count("deliveries"),
    "landing_failed": lambda p, v: v.count("landing_failures"),
    "ledger_entry_recorded": lambda p, v: v.ledger_entry(
        p["account"], float(p["amount"]), LedgerEntryKind(p["entry_kind"])
    ),
}
"""Kinds folded from the raw payload; every other kind is parsed and applied typed."""


def apply_record(record: RecordLike, view: ViewBuilder) -> ViewBuilder:
    """Fold one store record into ``view``.

    Raises:
        UnknownEventKindError: the record's kind is unknown (seq named).
        EventPayloadError: the payload lacks or mistypes a field the projection reads.
    """
    view.seq = record.seq
    view.ts = record.ts
    raw = RAW_HANDLERS.get(record.kind)
    if raw is None:
        return apply(parse_event(record), view)
    try:
        raw(record.payload, view)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EventPayloadError(record.seq, record.kind, f"{type(exc).__name__}: {exc}") from exc
    return view
