"""``evokernel ledger show``: balances, entries per account, reputation, and what reuse saved."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from evokernel.application.economics.config import EconomicsConfig
from evokernel.application.economics.ledger import LedgerEntry, ledger_entries
from evokernel.application.economics.reputation import reputation_of
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import LedgerEntryKind
from evokernel.domain.models import Model


class AccountReport(Model):
    """One account: balance, what moved it, its reputation, and its entries."""

    account: str
    """Account (a node id, or the local savings account)."""
    balance: float
    """Sum of every signed amount."""
    staked: float = 0.0
    """Credits staked by publishing (a positive number)."""
    rewarded: float = 0.0
    """Credits earned by successful reuse of its capsules."""
    penalised: float = 0.0
    """Credits lost by failed reuse of its capsules (a positive number)."""
    saved: float = 0.0
    """Credits recorded for agent calls that reuse avoided."""
    reputation: float
    """Publisher reputation in (0, 1) (``economics.reputation``)."""
    entries: list[LedgerEntry] = Field(default_factory=list)
    """Its entries, oldest first."""


class Savings(Model):
    """What reuse saved this node, from ``ReplayEconomicsRecorded`` events."""

    reuses: int = 0
    """Capsules reused."""
    agent_calls_avoided: int = 0
    """Agent calls not made."""
    seconds_saved: float = 0.0
    """Net seconds saved against the original capture cost."""
    tokens_saved: int = 0
    """Agent tokens not spent, where known."""


class LedgerReport(Model):
    """The ledger of one store as of ``last_seq``."""

    accounts: list[AccountReport] = Field(default_factory=list)
    """Accounts by name."""
    savings: Savings = Field(default_factory=Savings)
    """What reuse saved."""
    last_seq: int = 0
    """The store position the report describes."""


def ledger_report(
    repository: EvolutionRepository,
    config: EconomicsConfig,
    *,
    account: str | None = None,
) -> LedgerReport:
    """Balances and reputation from the view, entries from the log, at the same position.

    Reads only (the view snapshot is used when it matches, never written).

    Raises:
        StoreCorruptError, EventPayloadError: the log cannot be read.
    """
    view = repository.view()
    by_account: dict[str, list[LedgerEntry]] = {}
    for entry in ledger_entries(repository.log, account):
        if entry.seq > view.last_seq:
            break  # appended after the view was built: left for the next report
        by_account.setdefault(entry.account, []).append(entry)
    accounts = []
    for name, totals in sorted(view.accounts.items()):
        if account is not None and name != account:
            continue
        sums = totals.totals
        accounts.append(
            AccountReport(
                account=name,
                balance=round(totals.balance, 6),
                staked=round(0.0 - sums.get(LedgerEntryKind.STAKE, 0.0), 6),
                rewarded=round(sums.get(LedgerEntryKind.REWARD, 0.0), 6),
                penalised=round(0.0 - sums.get(LedgerEntryKind.PENALTY, 0.0), 6),
                saved=round(sums.get(LedgerEntryKind.SAVING, 0.0), 6),
                reputation=round(reputation_of(name, totals, config).score, 6),
                entries=by_account.get(name, []),
            )
        )
    counters = view.counters
    return LedgerReport(
        accounts=accounts,
        savings=Savings(
            reuses=counters.reuses,
            agent_calls_avoided=counters.agent_calls_avoided,
            seconds_saved=round(counters.seconds_saved, 3),
            tokens_saved=counters.tokens_saved,
        ),
        last_seq=view.last_seq,
    )


def read_ledger(
    store_dir: Path, config: EconomicsConfig, *, account: str | None = None
) -> LedgerReport:
    """``ledger_report`` of the store in ``store_dir``, opened read-only.

    Raises:
        StoreNotFoundError: there is no store in ``store_dir``.
    """
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        return ledger_report(repository, config, account=account)
