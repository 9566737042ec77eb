"""Tampering with a real store on disk, the way a corrupt disk or a hostile edit would."""

from __future__ import annotations

from pathlib import Path

import orjson


def tamper(store_dir: Path, line: int) -> None:
    """Edit one record's payload in place, keeping the line well-formed JSON (its hash now lies).

    Args:
        store_dir: the store's directory (its ``events.jsonl`` is edited).
        line: the record's line, 1-based; a negative number counts from the end (-1 the last).
    """
    path = store_dir / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    index = line - 1 if line > 0 else line
    record = orjson.loads(lines[index])
    record["payload"]["tampered"] = True
    lines[index] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
    path.write_bytes(b"".join(lines))
