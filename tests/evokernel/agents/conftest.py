"""Fixtures for the agent adapters: a real repository with a bug, a real linked worktree at its
base (what the kernel hands an agent), agent scripts written to disk, a local chat server."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from evokernel.adapters.agents import AgentContext
from evokernel.domain.models import AgentTask
from tests.evokernel.agents.chat_server import ChatServer

CALC = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
TEST_CALC = (
    "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_add_zero():\n    assert add(0, 0) == 0\n"
)
FAILING_TEST = "tests/test_calc.py::test_add"
TRACEBACK = (
    'File "/workspace/tests/test_calc.py", line 5, in test_add\n'
    "    assert add(2, 3) == 5\nE   assert -1 == 5\n"
)


@dataclass(frozen=True)
class CalcRepo:
    root: Path
    base: str


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


@pytest.fixture
def calc_repo(git_repo: Callable[..., Path]) -> CalcRepo:
    """A repository whose ``add`` subtracts; ``tests/test_calc.py::test_add`` fails."""
    root = git_repo({"calc.py": CALC, "tests/test_calc.py": TEST_CALC, "README.md": "calc\n"})
    return CalcRepo(root=root, base=git(root, "rev-parse", "HEAD").strip())


@pytest.fixture
def worktree(calc_repo: CalcRepo, tmp_path: Path) -> Path:
    """A linked worktree at the base revision, detached, as the kernel prepares one."""
    path = tmp_path / "scratch"
    git(calc_repo.root, "worktree", "add", "--detach", "-q", str(path), calc_repo.base)
    return path


@pytest.fixture
def task(calc_repo: CalcRepo) -> AgentTask:
    return AgentTask(
        task_id="task-calc-add",
        repo_path=str(calc_repo.root),
        repo_identity="local/calc",
        base_rev=calc_repo.base,
        description='make add() add: it returns a - b; it\'s "wrong" & $(nasty)',
    )


@pytest.fixture
def context(worktree: Path) -> AgentContext:
    return AgentContext(
        worktree=worktree,
        signals=["exception:AssertionError", f"test-failed:{FAILING_TEST}"],
        failing_tests=[FAILING_TEST],
        log_excerpts=[TRACEBACK],
        attempt=1,
        run_id="run_test_1",
    )


ScriptWriter = Callable[..., str]


@pytest.fixture
def agent_script(tmp_path: Path) -> ScriptWriter:
    """Write a python agent script outside the worktree; return a command line running it.

    ``agent_script(source, "{task}")`` -> ``/path/python /tmp/.../agent0.py {task}``.
    """
    counter = iter(range(1000))

    def write(source: str, *args: str) -> str:
        path = tmp_path / "agents" / f"agent{next(counter)}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
        return " ".join([shlex.quote(sys.executable), shlex.quote(str(path)), *args])

    return write


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """A chat-completions server on 127.0.0.1 serving scripted answers, ready when yielded."""
    server = ChatServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def applies_cleanly(root: Path, diff: str) -> bool:
    """True when ``git apply --check`` accepts ``diff`` in ``root`` (strictly, no recount)."""
    done = subprocess.run(
        ["git", "apply", "--check", "-"],
        cwd=root,
        input=diff,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 0
