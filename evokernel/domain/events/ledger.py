"""The economics ledger: one event per credit movement, so balances survive restarts."""

from __future__ import annotations

from typing import Literal

from evokernel.domain.events._base import EvolutionEvent
from evokernel.domain.events._enums import LedgerEntryKind


class LedgerEntryRecorded(EvolutionEvent):
    """Credits moved on one account (a node id) for one reason."""

    kind: Literal["ledger_entry_recorded"] = "ledger_entry_recorded"
    """Discriminator. Do not change."""
    entry_kind: LedgerEntryKind
    """Stake, reward, penalty or saving."""
    account: str
    """Account charged or credited: a node id (publisher)."""
    amount: float
    """Signed credit change: positive credits the account, negative debits it."""
    capsule_id: str | None = None
    """The asset the entry is about."""
    run_id: str | None = None
    """The run that caused it."""
    note: str = ""
    """Short explanation."""
