"""``evokernel devloop`` as a person uses it: the real command, in a pseudo-terminal or a pipe.

The interactive prompt is driven for real through a pty with pexpect (keys typed, Ctrl-C
sent as the terminal sends it); the effects are then read back from the repository and the
store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import orjson
import pexpect
import pytest
from typer.testing import CliRunner, Result

from evokernel.adapters.cli.app import app
from store import EventLog
from tests.cli.logging_state import logging_restored
from tests.conftest import GitRepoFactory, commit_files
from tests.devloop.conftest import Shop, evo_branches, repo_state, store_ok, trailers

EVOKERNEL = str(Path(sys.executable).parent / "evokernel")
TIMEOUT = 600
"""Bounds a hang only: each wait is for an event (a line, the prompt, the exit)."""
PROMPT = "Approve this change?"


def child_env(tmp_path: Path) -> dict[str, str]:
    """A small, deterministic environment: no colours, a wide terminal, our own git identity."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TERM": "xterm",
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "robin",
        "GIT_COMMITTER_NAME": "robin",
    }


Spawn = Callable[..., pexpect.spawn]
"""``spawn(*options)`` starts ``evokernel devloop`` on the shop repository in a pty."""


@pytest.fixture
def spawn(shop: Shop, tmp_path: Path, docker_engine: object) -> Iterator[Spawn]:
    """Start ``evokernel devloop`` on the shop repository in a pseudo-terminal."""
    children: list[pexpect.spawn] = []
    env = child_env(tmp_path)
    (tmp_path / ".gitconfig").write_text("[user]\n\tname = robin\n\temail = r@example.invalid\n")

    def start(*args: str) -> pexpect.spawn:
        argv = ["devloop", "--repo", str(shop.path), "--store", str(shop.store), *args]
        child = pexpect.spawn(
            EVOKERNEL, argv, cwd=str(shop.path), env=env, timeout=TIMEOUT, encoding="utf-8"
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def no_containers_left(pid: int) -> bool:
    """The run's sandbox containers were all removed."""
    client = docker.from_env(timeout=30)
    try:
        found = client.containers.list(all=True, filters={"label": f"evokernel.owner_pid={pid}"})
    finally:
        client.close()
    return found == []


def test_prompt_approve_commits_on_the_branch(spawn: Spawn, shop: Shop) -> None:
    child = spawn("--agent", f"scripted:{shop.rules_file()}", "--task", "fix the cart")
    child.expect("fail -> pass")  # the review comes before the question
    child.expect(PROMPT)
    child.sendline("a")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0, child.before
    assert evo_branches(shop.path) == ["evo/fix-the-cart"]
    found = trailers(shop.path, "evo/fix-the-cart")
    assert set(found) == {"Evo-Run", "Evo-Capsule"}
    with EventLog.open_readonly(shop.store) as log:
        approvals = [r.payload for r in log.scan() if r.kind == "approval_recorded"]
    assert [(a["approver"], a["decision"], a["run_id"]) for a in approvals] == [
        ("robin", "approve", found["Evo-Run"])
    ]


def test_prompt_shows_diff_and_logs_then_rejects_with_a_note(spawn: Spawn, shop: Shop) -> None:
    before = repo_state(shop.path)
    child = spawn("--agent", f"scripted:{shop.rules_file()}")
    child.expect(PROMPT)
    child.sendline("d")
    child.expect_exact("+    return round(subtotal * (1 - discount), 2)")
    child.expect(PROMPT)
    child.sendline("l")
    child.expect_exact("HEAD pytest (exit 1)")
    child.expect(PROMPT)
    child.sendline("r")
    child.expect("Note for the record")
    child.sendline("please add a test for zero discount")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 1
    assert repo_state(shop.path) == before
    with EventLog.open_readonly(shop.store) as log:
        approvals = [r.payload for r in log.scan() if r.kind == "approval_recorded"]
    assert [(a["decision"], a["note"]) for a in approvals] == [
        ("reject", "please add a test for zero discount")
    ]


@pytest.mark.parametrize("when", ["at the prompt", "during validation"])
def test_ctrl_c_leaves_the_repository_and_store_as_they_were(
    spawn: Spawn, shop: Shop, when: str
) -> None:
    before = repo_state(shop.path)
    child = spawn("--agent", f"scripted:{shop.rules_file()}")
    # "solve:" is printed as the replay lookup and the agent's validation start.
    child.expect(PROMPT if when == "at the prompt" else "solve:")
    child.sendintr()  # what the terminal sends on Ctrl-C
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130, child.before
    assert "nothing was committed" in (child.before or "")
    assert repo_state(shop.path) == before
    assert store_ok(shop.store)
    assert no_containers_left(child.pid)


def run_cli(
    shop: Shop, tmp_path: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The command with stdin, stdout and stderr as pipes (a script, not a person)."""
    argv = [EVOKERNEL, "devloop", "--repo", str(shop.path), *args]
    return subprocess.run(
        argv,
        cwd=cwd or shop.path,
        env=child_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_policy_of_the_repository_refuses_the_change_and_json_names_the_limit(
    shop: Shop, tmp_path: Path, docker_engine: object
) -> None:
    policy = '[tool.evokernel.policy]\nallowed_paths = ["docs/**"]\n'
    commit_files(shop.path, {"pyproject.toml": policy}, "project policy")
    elsewhere = tmp_path / "elsewhere"  # run from outside: the policy comes from --repo
    elsewhere.mkdir()

    done = run_cli(
        shop,
        tmp_path,
        "--store",
        str(shop.store),
        "--agent",
        f"scripted:{shop.rules_file()}",
        "--max-attempts",
        "1",
        "--approve",
        "yes",
        "--json",
        cwd=elsewhere,
    )

    assert done.returncode == 1, done.stderr
    result = orjson.loads(done.stdout)  # stdout is only the JSON; progress went to stderr
    assert (result["status"], result["limit"]) == ("rejected_by_policy", "allowed_paths")
    assert "shop/cart.py" in result["detail"]
    assert result["approval"] is None and evo_branches(shop.path) == []
    assert "solve:" in done.stderr


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch, shop: Shop) -> Iterator[Callable[..., Result]]:
    """The command in-process (typer's CliRunner: stdin is not a terminal), from the shop
    repository; the logging setup the entry point makes is undone afterwards."""
    monkeypatch.chdir(shop.path)

    def run(*args: str) -> Result:
        argv = ["devloop", "--repo", str(shop.path), "--store", str(shop.store), *args]
        return CliRunner().invoke(app, argv, catch_exceptions=False)

    with logging_restored():
        yield run


def test_malformed_approval_file_exits_2_before_anything_runs(
    invoke: Callable[..., Result], shop: Shop, tmp_path: Path
) -> None:
    bad = tmp_path / "approval.json"
    bad.write_text('{"approver": "robin", "decision": "perhaps"}')

    result = invoke("--approve", str(bad))

    assert result.exit_code == 2
    assert "ApprovalFileError" in result.stderr and "decision" in result.stderr
    assert not shop.store.exists()


def test_prompt_without_a_terminal_is_a_usage_error(
    invoke: Callable[..., Result], shop: Shop
) -> None:
    result = invoke()

    assert result.exit_code == 2
    assert "terminal" in result.stderr
    assert not shop.store.exists()


def test_dirty_tree_exits_2_and_names_the_files(invoke: Callable[..., Result], shop: Shop) -> None:
    (shop.path / "shop" / "cart.py").write_text("# local edit\n")

    result = invoke("--approve", "yes")

    assert result.exit_code == 2
    assert "DirtyTreeError" in result.stderr and "shop/cart.py" in result.stderr
    assert "--allow-dirty" in result.stderr
    assert not shop.store.exists()


def test_nothing_failing_exits_0_with_the_store_inside_the_repository(
    git_repo: GitRepoFactory, tmp_path: Path, docker_engine: object
) -> None:
    repo = git_repo({"calc.py": "X = 1\n", "tests/test_calc.py": "def test_x():\n    pass\n"})
    green = Shop(path=repo, fix="", store=repo / ".evokernel" / "store")

    # The default store lives in the repository; it never counts as a local change.
    EventLog.open(green.store).close()
    done = run_cli(green, tmp_path, "--approve", "yes", "--json")

    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["status"] == "detected_nothing"
    with EventLog.open_readonly(green.store) as log:
        assert [r.kind for r in log.scan()] == ["task_received", "signals_detected"]
