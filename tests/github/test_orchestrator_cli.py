"""``evokernel github ...`` on the command line: bad input is refused before anything runs,
the token never shows, ``status`` reads GitHub and the store, ``run --interval`` ticks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from evokernel.adapters.cli.app import app
from tests.cli.logging_state import logging_restored
from tests.github.conftest import TOKEN, ServerFactory
from tests.github.loop_support import LoopWorld, make_world


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty repository as the working directory; the CLI's logging setup is undone."""
    cwd = tmp_path / "cwd"
    (cwd / ".git").mkdir(parents=True)
    monkeypatch.chdir(cwd)
    with logging_restored():
        yield cwd


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def _documents(output: str) -> list[dict[str, object]]:
    """Every top-level JSON document in ``output`` (``emit`` indents each one)."""
    found, lines = [], output.splitlines()
    while "{" in lines:
        start = lines.index("{")
        end = lines.index("}", start) + 1
        found.append(orjson.loads("\n".join(lines[start:end])))
        lines = lines[end:]
    return found


def test_once_and_interval_together_are_refused() -> None:
    result = invoke(
        "github", "run", "--repo", "o/r", "--clone", "/x", "--once", "--interval", "5",
        env={"GITHUB_TOKEN": TOKEN},
    )  # fmt: skip
    assert result.exit_code == 2 and "--once or --interval" in result.output


def test_a_missing_token_names_the_variable_it_read() -> None:
    result = invoke("github", "status", "--repo", "o/r", "--token-env", "EVO_BOT_TOKEN")
    assert result.exit_code == 1
    assert "EVO_BOT_TOKEN is not set" in result.output


def test_a_clone_url_with_credentials_is_refused_without_echoing_them() -> None:
    url = "https://bot:s3cr3t-pass@github.example/octo/shop.git"
    result = invoke(
        "github", "detect", "--repo", "octo/shop", "--clone", url,
        env={"GITHUB_TOKEN": TOKEN},
    )  # fmt: skip
    words = " ".join(result.output.split())
    assert result.exit_code == 2 and "must not carry credentials" in words
    assert "s3cr3t-pass" not in words and TOKEN not in words


def test_status_reads_labelled_issues_without_a_store(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server(api_prefix="/api/v3")  # an Enterprise-style base URL
    server.create_repo("octo/demo")
    server.open_issue("octo/demo", author="alice", title="fix it", labels=["evo"])
    server.open_issue("octo/demo", author="alice", title="unrelated")
    result = invoke(
        "github", "status", "--repo", "octo/demo", "--api-url", server.api_url,
        "--store", str(tmp_path / "no-store"), "--json",
        env={"GITHUB_TOKEN": TOKEN},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [status] = _documents(result.output)
    issues = status["issues"]
    assert isinstance(issues, list)
    [issue] = issues
    assert (issue["number"], issue["branch"], issue["pr_number"]) == (1, "evo/issue-1", None)
    assert not (tmp_path / "no-store").exists()  # status only reads
    assert server.api_url.endswith("/api/v3") and len(server.exchanges()) >= 3


@pytest.fixture
def world(docker_engine: object, start_server: ServerFactory, tmp_path: Path) -> LoopWorld:
    return make_world(start_server, tmp_path)


def test_run_with_an_interval_ticks_until_max_ticks(world: LoopWorld) -> None:
    result = invoke(
        "github", "run", "--repo", world.remote.repo, "--clone", world.remote.url,
        "--api-url", world.server.api_url, "--store", str(world.store),
        "--interval", "1", "--max-ticks", "2", "--json",
        env={"GITHUB_TOKEN": TOKEN, "EVOKERNEL_SANDBOX__POOL_SIZE": "0"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ticks = _documents(result.output)
    assert [(t["repo"], t["issues"]) for t in ticks] == [(world.remote.repo, [])] * 2
    assert TOKEN not in result.output


def test_gh_token_is_read_as_gh_reads_it(start_server: ServerFactory, tmp_path: Path) -> None:
    server = start_server()
    server.create_repo("octo/demo")
    result = invoke(
        "github", "status", "--repo", "octo/demo", "--api-url", server.api_url,
        "--store", str(tmp_path / "no-store"), "--json",
        env={"GH_TOKEN": TOKEN},
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_without_any_token_both_names_are_said() -> None:
    result = invoke("github", "status", "--repo", "o/r")
    assert result.exit_code == 1
    assert "GH_TOKEN or GITHUB_TOKEN is not set" in " ".join(result.output.split())
