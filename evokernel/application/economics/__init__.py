"""Economics: the credit ledger (stakes, rewards, penalties, savings) and publisher reputation.

The ledger is made of ``LedgerEntryRecorded`` events, so it survives restarts; reputation is a
pure function of it and feeds the ranking of capsules imported from peers.
"""

from __future__ import annotations

from evokernel.application.economics.config import EconomicsConfig
from evokernel.application.economics.ledger import (
    LEDGER_KIND,
    LedgerEntry,
    ledger_entries,
    record_stake,
    reuse_entries,
    saving_entry,
    stake_entries,
)
from evokernel.application.economics.report import (
    AccountReport,
    LedgerReport,
    Savings,
    ledger_report,
    read_ledger,
)
from evokernel.application.economics.reputation import (
    Reputation,
    reputation_of,
    reputation_score,
    reputations,
)
from evokernel.application.economics.savings import ReuseSavings, reuse_savings

__all__ = [
    "LEDGER_KIND",
    "AccountReport",
    "EconomicsConfig",
    "LedgerEntry",
    "LedgerReport",
    "Reputation",
    "ReuseSavings",
    "Savings",
    "ledger_entries",
    "ledger_report",
    "read_ledger",
    "record_stake",
    "reputation_of",
    "reputation_score",
    "reputations",
    "reuse_entries",
    "reuse_savings",
    "saving_entry",
    "stake_entries",
]
