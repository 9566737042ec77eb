"""A slice of the drift corpus through the real kernel and the Docker sandbox: the fix captured
on boltons 17.2.0 replays on 24.0.0 (whose context drifted, and whose test file was renamed),
lands in ``a10n`` and not in the look-alike function, and is never replayed on an unrelated bug
that fails the same test."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.adapters.bench.drift_bench import run_drift_bench
from evokernel.adapters.bench.drift_corpus import DriftFamily
from tests.drift.conftest import CACHE

_SLICE = [
    "boltons-a10n/24.0.0/release",
    "boltons-a10n/24.0.0/renamed-test-file",
    "boltons-a10n/24.0.0/look-alike-line",
    "boltons-a10n/24.0.0/unrelated-bug",
]


@pytest.mark.docker
def test_recurring_bug_replays_and_neither_look_alike_nor_unrelated_bug_is_a_false_replay(
    corpus: list[DriftFamily], docker_engine: object, tmp_path: Path
) -> None:
    result = run_drift_bench(cache=CACHE, workdir=tmp_path, only=_SLICE)
    assert [c["accepted"] for c in result["captures"]] == [True]
    rows = {row["task"]: row for row in result["tasks"]}
    assert rows["boltons-a10n/24.0.0/release"]["hit"] is True
    assert rows["boltons-a10n/24.0.0/release"]["correct"] is True
    # The look-alike "if len(string) < 4:" in short_enough must stay as it is.
    assert rows["boltons-a10n/24.0.0/look-alike-line"]["correct"] is True
    assert rows["boltons-a10n/24.0.0/unrelated-bug"]["hit"] is False
    assert result["false_replays"] == 0
    # A renamed test file is the same failure of the same code: found, replayed.
    assert rows["boltons-a10n/24.0.0/renamed-test-file"]["correct"] is True
    assert result["recurring_replayed"] == result["recurring_total"] == 3
    assert result["agent_calls"] == 0
