"""Content-addressed ids: one function over canonical JSON, used by every model."""

from __future__ import annotations

from typing import Any

from store import content_hash


def content_id(prefix: str, identifying: Any, length: int = 24) -> str:
    """Return ``"<prefix>_<hex>"`` where hex is the sha256 of the canonical JSON of ``identifying``.

    The same identifying fields give the same id in every process and on every machine.
    """
    return f"{prefix}_{content_hash(identifying)[:length]}"
