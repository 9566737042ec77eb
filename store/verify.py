"""Walking the whole chain and naming the first bad record."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from store.errors import StoreCorruptError
from store.reader import RecordReader


class VerifyReport(BaseModel):
    """The outcome of ``EventLog.verify``: either the whole chain holds, or where it breaks."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    ok: bool
    """True when every complete line is a well-formed record that links to the one before."""
    records: int
    """How many records verified, counted from the start up to the first bad one."""
    first_bad_seq: int | None = None
    """Seq of the first bad record; ``None`` when all are good or its line could not be parsed."""
    first_bad_line: int | None = None
    """Line number (from 1) of the first bad record; ``None`` when all are good."""
    reason: str | None = None
    """Why that record is bad."""
    head_hash: str | None = None
    """Hash of the last good record; ``None`` for an empty log or a bad first record."""
    torn_tail_bytes: int = 0
    """Bytes after the last record that are not a record (a torn tail not yet cut by a
    writer). They do not make the chain bad; the next writable open moves them aside."""


def verify_log(path: Path) -> VerifyReport:
    """Read every line of the log at ``path`` with the strict checks; never writes."""
    reader = RecordReader(path, strict=True)
    count = 0
    head_hash: str | None = None
    try:
        for record in reader:
            count += 1
            head_hash = record.hash
    except StoreCorruptError as exc:
        return VerifyReport(
            ok=False,
            records=count,
            first_bad_seq=exc.seq,
            first_bad_line=exc.line,
            reason=exc.reason,
            head_hash=head_hash,
        )
    return VerifyReport(
        ok=True, records=count, head_hash=head_hash, torn_tail_bytes=reader.torn_bytes
    )
