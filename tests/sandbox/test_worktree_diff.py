"""``worktree_diff``: the change as it stands in a worktree, what a replay returns and lands."""

from __future__ import annotations

from pathlib import Path

from sandbox import Workspaces, applied_change, blast_radius, worktree_diff
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


def test_applied_change_is_blast_radius_and_worktree_diff_from_one_git_diff(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    """Edited, deleted, mode-changed, binary, CRLF, non-UTF-8 and oddly named files: the one
    combined ``git diff`` splits into exactly what the two separate questions answer."""
    repo = git_repo(
        {"calc.py": "a\r\nb\r\n", "gone.txt": "g\n", "run.sh": "echo\n", "keep.txt": "k\n"}
    )
    with Workspaces(repo, root=tmp_path / "ws").create("HEAD") as workspace:
        root = workspace.path
        (root / "calc.py").write_bytes(b"a\r\nB\r\nc\r\n")
        (root / "gone.txt").unlink()
        (root / "run.sh").chmod(0o755)
        (root / "blob.bin").write_bytes(b"\x00\x01\x02binary\x00")
        (root / "caf\xe9 dir").mkdir()
        (root / "caf\xe9 dir" / "t\tab.txt").write_bytes(b"caf\xe9\n")
        radius, diff = applied_change(root)
        assert (radius, diff) == (blast_radius(root), worktree_diff(root))
    assert radius.files == sorted(
        ["blob.bin", "calc.py", "café dir/t\tab.txt", "gone.txt", "run.sh"]
    )
    assert (radius.lines_added, radius.lines_removed) == (3, 2)
    assert diff.startswith("diff --git ") and "GIT binary patch" in diff
    assert "\0" not in diff


def test_applied_change_of_an_untouched_tree_is_empty(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"a.txt": "a\n"})
    with Workspaces(repo, root=tmp_path / "ws").create("HEAD") as workspace:
        radius, diff = applied_change(workspace.path)
    assert (radius.files, radius.lines_added, radius.lines_removed, diff) == ([], 0, 0, "")
