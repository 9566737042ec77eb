"""Where a reader stands in the log: the last record it has seen and the byte just after it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Position(BaseModel):
    """A point in the log that a reader can come back to.

    A projection stores the position it covers next to its snapshot; on the next open it
    asks ``EventLog.check_position`` whether the chain still has ``hash`` at ``seq``, and if
    so resumes with ``EventLog.scan_after``, which seeks straight to ``offset`` instead of
    reading the records it has already folded.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    seq: int = Field(ge=1)
    """Sequence number of the last record covered."""
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    """Hash of that record."""
    offset: int = Field(ge=1)
    """Byte offset just after that record's line (its newline included)."""
