"""``--since``: a duration back from now (``7d``, ``12h``, ``30m``) or an ISO date or time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import typer

_RELATIVE = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``, ``12h``, ``30m`` (before ``now``) or an ISO 8601 date or time (UTC if naive).

    Raises:
        typer.BadParameter: neither form (exit 2).
    """
    match = _RELATIVE.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a duration like 7d / 12h nor an ISO date like 2026-12-01",
            param_hint="--since",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
