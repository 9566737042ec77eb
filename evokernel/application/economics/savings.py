"""What a reuse saved, measured by this node: never a number a peer sent.

A capsule captured here carries what producing it cost here (agent time plus validation, and
the agent's tokens when known). A capsule imported from a peer carries the *sender's* claim,
which may be anything (a bundle claiming 1e12 tokens, or minus five); those figures are never
counted. A remote capsule's reuse saves what this node's own agent calls cost on average:
the mean capture cost of the capsules captured here, and the mean tokens per agent call
recorded here, or nothing when this node has not measured either yet.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from evokernel.domain.views import CapsuleView, EvolutionView


class ReuseSavings(NamedTuple):
    """Seconds and tokens one reuse saved, and where the figures came from."""

    seconds_saved: float
    """Net seconds: the capture cost avoided minus the replay's own time (may be negative)."""
    tokens_saved: int | None
    """Agent tokens avoided; ``None`` when not known here."""
    basis: str
    """``capsule`` (its local capture cost), ``local_average`` or ``none``."""


def reuse_savings(capsule: CapsuleView, view: EvolutionView, replay_s: float) -> ReuseSavings:
    """The saving of reusing ``capsule`` once, in a replay that took ``replay_s`` seconds."""
    if capsule.imported_from is None:
        seconds = _plain(capsule.capsule.capture_seconds)
        tokens = _count(capsule.capsule.capture_tokens)
        if seconds is not None:
            return ReuseSavings(round(seconds - replay_s, 3), tokens, "capsule")
        return ReuseSavings(0.0, tokens, "none")
    seconds = _local_capture_seconds(view)
    tokens = _local_tokens_per_call(view)
    if seconds is None and tokens is None:
        return ReuseSavings(0.0, None, "none")
    saved = round(seconds - replay_s, 3) if seconds is not None else 0.0
    return ReuseSavings(saved, tokens, "local_average")


def _local_capture_seconds(view: EvolutionView) -> float | None:
    costs = [
        cost
        for c in view.capsules.values()
        if c.imported_from is None and (cost := _plain(c.capsule.capture_seconds))
    ]
    return sum(costs) / len(costs) if costs else None


def _local_tokens_per_call(view: EvolutionView) -> int | None:
    counters = view.counters
    if counters.agent_calls <= 0 or counters.agent_tokens <= 0:
        return None
    return counters.agent_tokens // counters.agent_calls


def _plain(value: float) -> float | None:
    """A cost that can be counted: finite and not negative."""
    return value if math.isfinite(value) and value >= 0 else None


def _count(value: int | None) -> int | None:
    return value if value is not None and value >= 0 else None
