"""``run_git``: a hung git is killed at its deadline; output bytes survive; a missing
directory is a typed error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import WorkspaceError
from sandbox._git import run_git
from tests.conftest import GitRepoFactory


def test_a_git_past_its_deadline_is_killed_and_says_so(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    read_end, write_end = os.pipe()  # never written nor closed: git waits for stdin forever
    try:
        with os.fdopen(read_end, "rb") as stdin:
            result = run_git(repo, "hash-object", "--stdin", stdin=stdin, timeout_s=0.5)
    finally:
        os.close(write_end)
    assert not result.ok
    assert "did not complete in 0.5 secs" in result.stderr


def test_output_that_is_not_utf8_keeps_its_bytes(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    (repo / "latin.txt").write_bytes(b"caf\xe9\n")
    result = run_git(repo, "diff", "--no-index", "--no-color", "--", "a.txt", "latin.txt")
    assert result.status == 1  # the files differ
    assert b"+caf\xe9\n" in result.stdout.encode("utf-8", "surrogateescape")


def test_a_missing_directory_is_a_workspace_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="could not run git status"):
        run_git(tmp_path / "absent", "status")
