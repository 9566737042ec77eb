"""Fixtures for the signal tests: real tool runs, shared for the session."""

from __future__ import annotations

import pytest

from tests.evokernel.signals.tool_runs import ToolRuns


@pytest.fixture(scope="session")
def tool_runs(tmp_path_factory: pytest.TempPathFactory) -> ToolRuns:
    """Real tool runs, two places per project, cached for the session."""
    return ToolRuns(tmp_path_factory)
