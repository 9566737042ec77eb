"""The drift corpus, read from the cache ``make setup`` fills (never the network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.adapters.bench.drift_corpus import DriftCorpusMissingError, DriftFamily, build_corpus

CACHE = Path(__file__).resolve().parents[2] / ".evokernel" / "cache" / "drift"
"""Where scripts/fetch-drift-corpus (run by ``make setup``) puts the sdists."""


@pytest.fixture(scope="session")
def corpus() -> list[DriftFamily]:
    """Every family; a missing cache fails the test and names the command that fills it."""
    try:
        return build_corpus(CACHE)
    except DriftCorpusMissingError as exc:
        pytest.fail(f"{exc} (the drift tests need `make setup` to have run)")
