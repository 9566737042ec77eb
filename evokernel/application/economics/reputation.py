"""Publisher reputation, derived from the ledger (pure functions over the view's accounts).

A publisher's reputation is the smoothed share of its judged credits that were rewards::

    rewarded   = sum of its reward amounts                      (>= 0)
    penalised  = sum of its penalty amounts, as a positive number
    reputation = (rewarded + prior) / (rewarded + penalised + 2 x prior)     in (0, 1)

``prior`` is ``EconomicsConfig.reputation_prior``. With no history a publisher sits at 0.5;
a penalty weighs ``penalty / reward`` times as much as a reward. Stakes and savings do not
judge anyone, so they do not move reputation. Selection turns reputation into the
``publisher`` factor of a remote capsule's score (``SelectionWeights.publisher_floor``).
"""

from __future__ import annotations

from collections.abc import Mapping

from evokernel.application.economics.config import EconomicsConfig
from evokernel.domain.events import LedgerEntryKind
from evokernel.domain.models import Model
from evokernel.domain.views import AccountView


class Reputation(Model):
    """A publisher's reputation and the ledger figures it was derived from."""

    account: str
    """The publisher's account (node id)."""
    score: float
    """Reputation in (0, 1); 0.5 with no rewards or penalties."""
    rewarded: float = 0.0
    """Credits earned by successful reuse."""
    penalised: float = 0.0
    """Credits lost by failed reuse (a positive number)."""
    rewards: int = 0
    """Number of rewards."""
    penalties: int = 0
    """Number of penalties."""


def reputation_of(account: str, totals: AccountView | None, config: EconomicsConfig) -> Reputation:
    """The reputation of ``account`` from its ledger totals (``None``: no entries yet)."""
    found = totals or AccountView()
    rewarded = max(0.0, found.totals.get(LedgerEntryKind.REWARD, 0.0))
    penalised = max(0.0, -found.totals.get(LedgerEntryKind.PENALTY, 0.0))
    prior = config.reputation_prior
    return Reputation(
        account=account,
        score=(rewarded + prior) / (rewarded + penalised + 2.0 * prior),
        rewarded=rewarded,
        penalised=penalised,
        rewards=found.entries.get(LedgerEntryKind.REWARD, 0),
        penalties=found.entries.get(LedgerEntryKind.PENALTY, 0),
    )


def reputation_score(
    account: str, accounts: Mapping[str, AccountView], config: EconomicsConfig
) -> float:
    """Just the score of ``account`` (what selection needs)."""
    return reputation_of(account, accounts.get(account), config).score


def reputations(
    accounts: Mapping[str, AccountView], config: EconomicsConfig
) -> dict[str, Reputation]:
    """The reputation of every account in the ledger, by account."""
    return {name: reputation_of(name, totals, config) for name, totals in sorted(accounts.items())}
