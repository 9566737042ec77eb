"""The economics ledger: every credit movement is a ``LedgerEntryRecorded`` event in the store.

Balances are a fold over those events (``EvolutionView.accounts``), so they survive restarts and
can be rebuilt at any time. The functions here only *build* entries; the flow that causes a
movement records them together with its other events in one ``record`` call:

- publishing stakes credits: ``stake_entries`` (``record_stake`` appends them on their own);
- a remote capsule that validates and is reused here rewards its publisher, one that fails
  validation here penalises it: ``reuse_entries``, called by the replay flow for each attempt;
- every reuse records what it saved this node: ``saving_entry``.

Signs: a positive ``amount`` credits the account, a negative one debits it. Stakes and
penalties are debits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import ValidationError

from evokernel.application.economics.config import EconomicsConfig
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    LedgerEntryKind,
    LedgerEntryRecorded,
    ReplayOutcome,
)
from evokernel.domain.models import Model
from evokernel.domain.views import CapsuleView
from evokernel.errors import EventPayloadError, first_problem
from store import EventLog, Record

LEDGER_KIND = "ledger_entry_recorded"
"""Store kind of ledger entries (``LedgerEntryRecorded.kind``)."""


class LedgerEntry(Model):
    """A ledger entry as read back from the store, with where and when it was recorded."""

    seq: int
    """Store sequence number of the entry."""
    ts: str
    """When it was recorded (RFC 3339, UTC)."""
    entry_kind: LedgerEntryKind
    """Stake, reward, penalty or saving."""
    account: str
    """Account moved."""
    amount: float
    """Signed credit change."""
    capsule_id: str | None = None
    """The capsule it is about."""
    run_id: str | None = None
    """The run that caused it."""
    note: str = ""
    """Short explanation."""


def stake_entries(
    account: str,
    capsule_ids: Iterable[str],
    config: EconomicsConfig,
    *,
    run_id: str | None = None,
    note: str = "published",
) -> list[LedgerEntryRecorded]:
    """One stake (a debit of ``config.stake``) per published capsule, on the publisher."""
    return [
        LedgerEntryRecorded(
            entry_kind=LedgerEntryKind.STAKE,
            account=account,
            amount=-config.stake,
            capsule_id=capsule_id,
            run_id=run_id,
            note=note,
        )
        for capsule_id in capsule_ids
    ]


def record_stake(
    repository: EvolutionRepository,
    account: str,
    capsule_ids: Iterable[str],
    config: EconomicsConfig,
    *,
    run_id: str | None = None,
    note: str = "published",
) -> list[Record]:
    """Append the stakes of ``account`` for publishing ``capsule_ids`` (one group commit).

    A caller that appends other events for the same publication should rather add
    ``stake_entries(...)`` to its own ``record`` call.

    Raises:
        StoreError: the store could not be written.
    """
    entries = stake_entries(account, capsule_ids, config, run_id=run_id, note=note)
    if not entries:
        return []
    return repository.record(entries)


def reuse_entries(
    capsule: CapsuleView,
    outcome: ReplayOutcome,
    replay_run_id: str,
    config: EconomicsConfig,
) -> list[LedgerEntryRecorded]:
    """What one replay attempt of ``capsule`` does to its publisher's account.

    A local capsule (no ``imported_from``) has no publisher to pay. Only a validation that ran
    judges the publisher: a hit rewards it, a patch failure penalises it; an apply failure, an
    infrastructure failure or a skip moves nothing.
    """
    publisher = capsule.imported_from
    if publisher is None:
        return []
    capsule_id = capsule.capsule.capsule_id
    if outcome is ReplayOutcome.HIT:
        kind, amount, note = LedgerEntryKind.REWARD, config.reward, "reused: replay validated"
    elif outcome is ReplayOutcome.VALIDATION_FAILED:
        kind, amount, note = LedgerEntryKind.PENALTY, -config.penalty, "replay failed validation"
    else:
        return []
    return [
        LedgerEntryRecorded(
            entry_kind=kind,
            account=publisher,
            amount=amount,
            capsule_id=capsule_id,
            run_id=replay_run_id,
            note=note,
        )
    ]


def false_replay_entries(
    capsule: CapsuleView, run_id: str, config: EconomicsConfig
) -> list[LedgerEntryRecorded]:
    """A person rejected a change that reused ``capsule`` from a peer: its publisher pays.

    Only a false replay counts (the rejected run is one that reused the capsule); a rejection
    of a fresh capture says nothing about a publisher.
    """
    publisher = capsule.imported_from
    if publisher is None or run_id not in capsule.replay_run_ids:
        return []
    return [
        LedgerEntryRecorded(
            entry_kind=LedgerEntryKind.PENALTY,
            account=publisher,
            amount=-config.penalty,
            capsule_id=capsule.capsule.capsule_id,
            run_id=run_id,
            note="false replay: the reused change was rejected by a person",
        )
    ]


def saving_entry(
    capsule: CapsuleView,
    replay_run_id: str,
    *,
    agent_calls_avoided: int,
    seconds_saved: float,
    tokens_saved: int | None,
    config: EconomicsConfig,
) -> LedgerEntryRecorded:
    """What a reuse saved this node, credited to ``config.local_account``.

    The amount is ``saving_per_agent_call`` per agent call avoided; the note keeps the seconds
    and tokens (``ReplayEconomicsRecorded`` holds them as numbers).
    """
    origin = f"from {capsule.imported_from}" if capsule.imported_from else "local"
    tokens = "unknown" if tokens_saved is None else str(tokens_saved)
    return LedgerEntryRecorded(
        entry_kind=LedgerEntryKind.SAVING,
        account=config.local_account,
        amount=config.saving_per_agent_call * agent_calls_avoided,
        capsule_id=capsule.capsule.capsule_id,
        run_id=replay_run_id,
        note=(
            f"{origin} reuse: {agent_calls_avoided} agent call(s), "
            f"{seconds_saved:.3f} s, {tokens} tokens saved"
        ),
    )


def ledger_entries(log: EventLog, account: str | None = None) -> Iterator[LedgerEntry]:
    """The ledger entries in the store, oldest first (all accounts, or only ``account``).

    Reads only; records of other kinds are skipped without being parsed as events.

    Raises:
        StoreCorruptError: the log is corrupt where it had to be read.
        EventPayloadError: a ledger record does not fit its kind.
    """
    for record in log.scan():
        if record.kind != LEDGER_KIND:
            continue
        if account is not None and record.payload.get("account") != account:
            continue
        try:
            entry = LedgerEntryRecorded.model_validate(record.payload)
        except ValidationError as exc:
            raise EventPayloadError(record.seq, record.kind, first_problem(exc)) from exc
        yield LedgerEntry(
            seq=record.seq,
            ts=record.ts,
            **entry.model_dump(exclude={"kind"}),
        )
