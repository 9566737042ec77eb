"""``worktree_diff``: the change as it stands in a worktree, what a replay returns and lands."""

from __future__ import annotations

from pathlib import Path

from sandbox import Workspaces, worktree_diff
from tests.conftest import GitRepoFactory


def test_changed_and_added_files_are_in_the_diff_byte_for_byte(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"calc.py": "def add(a, b):\r\n    return a - b\r\n"})
    with Workspaces(repo, root=tmp_path / "ws").create("HEAD") as workspace:
        # Same size, written right after the checkout; CRLF and non-UTF-8 text kept.
        (workspace.path / "calc.py").write_bytes(b"def add(a, b):\r\n    return a + b\r\n")
        (workspace.path / "new.txt").write_bytes(b"caf\xe9")
        diff = worktree_diff(workspace.path)
    raw = diff.encode("utf-8", "surrogateescape")
    assert b"-    return a - b\r\n+    return a + b\r\n" in raw
    assert b"+++ b/new.txt\n" in raw and b"+caf\xe9\n\\ No newline at end of file" in raw
