"""Devloop fixtures: a real repository with a failing test, its fix, and repository snapshots."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from evokernel import EvoConfig, ScriptedAgent, ScriptedRule
from evokernel.demo.repos import CART_BUGGY, CART_FIXED, CART_TESTS, unified_diff
from store import EventLog
from tests.conftest import GitRepoFactory

FAILING_TEST = "tests/test_cart.py::test_total_with_discount"


@dataclass
class Shop:
    """A repository whose ``test_total_with_discount`` fails, and the diff that fixes it."""

    path: Path
    fix: str
    store: Path

    def agent(self) -> ScriptedAgent:
        """An agent that proposes the fix when the cart test fails."""
        rule = ScriptedRule(
            signals_include=[f"test-failed:{FAILING_TEST}"], diff=self.fix, intent="fix"
        )
        return ScriptedAgent.from_rules([rule])

    def rules_file(self) -> Path:
        """The same agent as a ``scripted:FILE`` rules file, for the command line."""
        patch = self.store.parent / "fix.patch"
        patch.write_text(self.fix)
        rules = self.store.parent / "rules.toml"
        rules.write_text(
            f'[[rules]]\nsignals_include = ["test-failed:{FAILING_TEST}"]\n'
            f'diff_file = "{patch.name}"\nintent = "apply the discount as a fraction"\n'
        )
        return rules


@pytest.fixture
def config(docker_engine: object) -> EvoConfig:
    """The default configuration (Docker sandbox, default policy), without a warm pool: a
    devloop run validates twice, and starting two spare containers per run only costs time."""
    default = EvoConfig()
    return default.model_copy(
        update={"sandbox": default.sandbox.model_copy(update={"pool_size": 0})}
    )


@pytest.fixture
def shop(git_repo: GitRepoFactory, tmp_path: Path) -> Shop:
    """A fresh repository on ``main`` with a failing cart test; its store lives outside it."""
    path = git_repo(
        {
            "shop/__init__.py": "",
            "shop/cart.py": CART_BUGGY,
            "tests/test_cart.py": CART_TESTS,
        },
        name="shop",
    )
    return Shop(
        path=path, fix=unified_diff(path, "shop/cart.py", CART_FIXED), store=tmp_path / "store"
    )


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; return stripped stdout."""
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def repo_state(repo: Path) -> dict[str, object]:
    """Everything a run must leave as it was: refs, HEAD, status, worktrees, lock files."""
    git_dir = repo / ".git"
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "head": git(repo, "symbolic-ref", "HEAD"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
        "worktree_dirs": sorted(p.name for p in (git_dir / "worktrees").glob("*")),
        "locks": sorted(str(p.relative_to(git_dir)) for p in git_dir.rglob("*.lock")),
    }


def evo_branches(repo: Path) -> list[str]:
    """Branches under ``evo/``."""
    return git(repo, "branch", "--list", "evo/*", "--format=%(refname:short)").split()


def trailers(repo: Path, rev: str) -> dict[str, str]:
    """The trailers of commit ``rev``."""
    out = git(repo, "log", "-1", "--format=%(trailers:only,unfold)", rev)
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def store_ok(store: Path) -> bool:
    """The store's hash chain verifies."""
    with EventLog.open_readonly(store) as log:
        return log.verify().ok


def store_kinds(store: Path) -> list[str]:
    """Kinds of every record in the store, oldest first."""
    with EventLog.open_readonly(store) as log:
        return [record.kind for record in log.scan()]
