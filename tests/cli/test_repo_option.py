"""Every store-reading command takes --repo and reads the store that repository uses (the one
`run --repo` writes to), wherever the command is run from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.report.conftest import write_known_store

READERS = [
    ("store", "verify"),
    ("store", "stats"),
    ("store", "tail"),
    ("assets", "list"),
    ("metrics",),
    ("ledger", "show"),
    ("runs", "list"),
    ("report",),
]


@pytest.fixture
def other_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "other-repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "evokernel.toml").write_text('[store]\npath = "state/evo"\n')
    write_known_store(repo / "state" / "evo")
    return repo


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_store_readers_find_the_store_of_repo(
    invoke: Invoke, other_repo: Path, command: tuple[str, ...]
) -> None:
    here = invoke(*command, "--json")
    assert here.exit_code == 2, here.output  # the current repository has no store
    assert "no store log at" in " ".join(here.output.split())
    there = invoke(*command, "--repo", str(other_repo), "--json")
    assert there.exit_code == 0, there.output
    assert there.stdout.strip() not in ("", "[]", "{}")


def test_config_show_takes_repo(invoke: Invoke, other_repo: Path) -> None:
    result = invoke("config", "show", "--repo", str(other_repo))
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "state/evo" in words and "evokernel.toml" in words
