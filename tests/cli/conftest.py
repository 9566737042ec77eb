"""CLI fixtures: a runner that invokes the real app, and real stores to point it at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from evokernel.adapters.cli.app import app
from tests.cli.logging_state import logging_restored
from tests.evokernel.samples import fill_store, mixed_stream

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run each command in an empty repository so no project's configuration leaks in, and
    undo the logging setup the CLI entry point performs."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.chdir(repo)
    with logging_restored():
        yield repo


@pytest.fixture
def invoke() -> Invoke:
    """``invoke("store", "verify", env={...})`` -> the typer ``Result``."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """A real store holding 300 events of every kind."""
    return fill_store(tmp_path / "store", mixed_stream(300))
