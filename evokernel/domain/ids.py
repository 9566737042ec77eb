"""Ids: content-addressed ones (one function over canonical JSON, used by every model), and
unique prefixes of them, as git and gh accept (``capsule_eeff`` for the one capsule whose id
starts so)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evokernel.errors import EvoKernelError
from store import content_hash


def content_id(prefix: str, identifying: Any, length: int = 24) -> str:
    """Return ``"<prefix>_<hex>"`` where hex is the sha256 of the canonical JSON of ``identifying``.

    The same identifying fields give the same id in every process and on every machine.
    """
    return f"{prefix}_{content_hash(identifying)[:length]}"


_SHOWN = 5
"""Candidates listed when a prefix is ambiguous."""


class AmbiguousIdError(EvoKernelError, ValueError):
    """A prefix matches more than one id; ``candidates`` lists some of them."""

    def __init__(self, prefix: str, candidates: list[str]) -> None:
        self.prefix = prefix
        self.candidates = candidates
        shown = ", ".join(candidates[:_SHOWN]) + (" ..." if len(candidates) > _SHOWN else "")
        super().__init__(f"{prefix!r} matches {len(candidates)} ids: {shown}; give more of it")


def resolve_prefix(prefix: str, ids: Iterable[str]) -> str | None:
    """The one id equal to ``prefix`` or starting with it; ``None`` when none does.

    Raises:
        AmbiguousIdError: several ids start with ``prefix`` and none equals it.
    """
    matches = []
    for candidate in ids:
        if candidate == prefix:
            return candidate
        if candidate.startswith(prefix):
            matches.append(candidate)
    if len(matches) > 1:
        raise AmbiguousIdError(prefix, sorted(matches))
    return matches[0] if matches else None
