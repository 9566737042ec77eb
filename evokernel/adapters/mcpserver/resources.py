"""The MCP resources: a capsule's diff and evidence, and a run's timeline, as JSON text."""

from __future__ import annotations

import orjson

from evokernel.adapters.mcpserver.tools import EvoTools
from evokernel.application.runs import read_run

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
    """``evokernel://runs/{run_id}``: the run's timeline, as ``evokernel runs show --json``
    prints it (``run_id`` may be a unique prefix).

    Raises:
        RunNotFoundError: the store holds nothing of that run.
        AmbiguousIdError: the prefix matches several runs.
    """
    return read_run(tools.store_dir, run_id).model_dump_json()
