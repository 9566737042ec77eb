"""The MCP resources: a capsule's diff and evidence, and a run's timeline, as JSON text."""

from __future__ import annotations

from typing import Any

import orjson

from evokernel.mcpserver.errors import RunNotFoundError
from evokernel.mcpserver.tools import EvoTools

_DUMP = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def capsule_json(tools: EvoTools, capsule_id: str) -> str:
    """``evokernel://capsules/{capsule_id}``: the capsule (diff, evidence, origin run), its
    state, confidence evidence and reuses.

    Raises:
        AssetNotFoundError: no capsule with that id.
    """
    found = tools.capsule(capsule_id)
    return orjson.dumps(found.model_dump(mode="json"), option=_DUMP).decode()


def capsule_diff(tools: EvoTools, capsule_id: str) -> str:
    """``evokernel://capsules/{capsule_id}/diff``: the capsule's diff, as stored.

    Raises:
        AssetNotFoundError: no capsule with that id.
    """
    return tools.capsule(capsule_id).capsule.diff


def run_json(tools: EvoTools, run_id: str) -> str:
    """``evokernel://runs/{run_id}``: every event the run recorded, in order.

    Raises:
        RunNotFoundError: the store holds nothing of that run.
    """
    records = tools.reader.timeline(run_id)
    if not records:
        raise RunNotFoundError(run_id)
    events: list[dict[str, Any]] = [
        {"seq": r.seq, "ts": r.ts, "kind": r.kind, "payload": r.payload} for r in records
    ]
    return orjson.dumps({"run_id": run_id, "events": events}, option=_DUMP).decode()
