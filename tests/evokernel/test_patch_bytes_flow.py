"""Patches are bytes from capture to landing: CRLF, no final newline and non-UTF-8 text."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from evokernel.adapters.agents._diff import git_env, worktree_diff
from evokernel.application.landing import commit_on_branch
from evokernel.domain.models import patch_bytes
from tests.conftest import GitRepoFactory

_BEFORE = b"caf\xe9 = 1\r\nlast = 2"
_AFTER = b"caf\xe9 = 10\r\nlast = 2"


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True).stdout


def test_agent_diff_capture_and_landing_keep_the_exact_bytes(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"README": "r\n"})
    (repo / "latin.py").write_bytes(_BEFORE)
    _git(repo, "add", "latin.py")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "crlf")
    base = _git(repo, "rev-parse", "HEAD").decode().strip()
    (repo / "latin.py").write_bytes(_AFTER)
    diff = worktree_diff(repo, base, git_env(os.environ))
    raw = patch_bytes(diff)
    assert b"-caf\xe9 = 1\r\n" in raw and b"+caf\xe9 = 10\r\n" in raw
    assert b"\\ No newline at end of file" in raw
    _git(repo, "checkout", "-q", "--", "latin.py")
    sha = commit_on_branch(repo, base, "evo/bytes", diff, "bytes", {"Evo-Run": "run_x"})
    assert _git(repo, "show", f"{sha}:latin.py") == _AFTER
