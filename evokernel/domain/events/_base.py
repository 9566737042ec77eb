"""The base of every evolution event."""

from __future__ import annotations

from evokernel.domain.models import Model


class EvolutionEvent(Model):
    """One immutable fact in the evolution store.

    Subclasses are named in the past tense for what happened and carry a
    ``kind: Literal["..."]`` discriminator. The record's ``seq`` and ``ts`` live on the
    store record, not in the payload: the store assigns them when the event is appended.
    """
