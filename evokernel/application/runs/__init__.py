"""Runs as first-class objects: list them, follow one from its task to its capsule or reuse.

``list_runs`` and ``show_run`` fold the log's records by run; ``read_runs`` / ``read_run`` open
a store and do it. Ids accept unique prefixes (``resolve_prefix``), as git and gh do.
"""

from __future__ import annotations

from evokernel.application.runs.collect import RunNotFoundError, list_runs, show_run
from evokernel.application.runs.models import RunOutcome, RunSummary, RunTimeline, TimelineEntry
from evokernel.application.runs.read import read_run, read_runs
from evokernel.domain.ids import AmbiguousIdError, resolve_prefix

__all__ = [
    "AmbiguousIdError",
    "RunNotFoundError",
    "RunOutcome",
    "RunSummary",
    "RunTimeline",
    "TimelineEntry",
    "list_runs",
    "read_run",
    "read_runs",
    "resolve_prefix",
    "show_run",
]
