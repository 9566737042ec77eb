"""How many credits publishing and reuse move, and how reputation is derived from them."""

from __future__ import annotations

from pydantic import Field

from evokernel.domain.models import Model


class EconomicsConfig(Model):
    """Credit amounts of the ledger and the prior of publisher reputation (per node)."""

    stake: float = Field(default=10.0, ge=0.0)
    """Credits a publisher stakes per capsule it publishes (recorded as a debit)."""
    reward: float = Field(default=1.0, ge=0.0)
    """Credits a publisher earns each time one of its capsules validates here and is reused."""
    penalty: float = Field(default=2.0, ge=0.0)
    """Credits a publisher loses each time one of its capsules fails validation here. Only a
    patch failure costs: a diff that no longer applies or a broken sandbox says nothing about
    the publisher."""
    saving_per_agent_call: float = Field(default=1.0, ge=0.0)
    """Credits recorded on ``local_account`` per agent call a reuse avoided."""
    local_account: str = Field(default="local", min_length=1)
    """The account that collects this node's own savings (set it to the node id)."""
    reputation_prior: float = Field(default=1.0, gt=0.0)
    """Pseudo-credits on each side of a publisher's record before any reward or penalty: with
    no history its reputation is 0.5, and one entry cannot swing it to 0 or 1."""
