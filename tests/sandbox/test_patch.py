"""The apply ladder's git rungs and its order, on real worktrees; failures roll back.

The content rungs (relocate, reduced context, symbol) are in ``test_patch_ladder.py``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sandbox import ApplyStep, PatchApplyError, WorkspaceError, Workspaces, apply_patch
from tests.conftest import GitRepoFactory, commit_files

LINES = [f"line {n}\n" for n in range(1, 13)]


def text(*changes: tuple[int, str]) -> str:
    lines = list(LINES)
    for number, value in changes:
        lines[number - 1] = value + "\n"
    return "".join(lines)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def history(git_repo: GitRepoFactory) -> dict[str, object]:
    """v1; v2 changes line 6 (the diff under test); v3 puts line 6 back and changes line 3."""
    repo = git_repo({"f.txt": text()})
    v1 = git(repo, "rev-parse", "HEAD").strip()
    v2 = commit_files(repo, {"f.txt": text((6, "SIX"))}, "v2")
    v3 = commit_files(repo, {"f.txt": text((3, "THREE"))}, "v3")
    v4 = commit_files(repo, {"f.txt": text((6, "six, differently"))}, "v4")
    return {"repo": repo, "diff": git(repo, "diff", v1, v2), "v1": v1, "v2": v2, "v3": v3, "v4": v4}


def clean(path: Path) -> bool:
    return git(path, "status", "--porcelain") == ""


def test_strict_applies_a_diff_made_against_the_same_revision(history: dict) -> None:
    with Workspaces(history["repo"]).create(history["v1"]) as ws:
        result = apply_patch(ws.path, history["diff"])
        assert result.step is ApplyStep.STRICT
        assert [a.step for a in result.attempts] == ["strict"]
        assert (ws.path / "f.txt").read_text() == text((6, "SIX"))


def test_already_applied_diff_is_recognised_and_nothing_written(history: dict) -> None:
    with Workspaces(history["repo"]).create(history["v2"]) as ws:
        result = apply_patch(ws.path, history["diff"])
        assert result.step is ApplyStep.ALREADY_APPLIED
        assert [a.ok for a in result.attempts] == [False, True]
        assert clean(ws.path)


def test_reduced_context_applies_when_an_outer_context_line_changed(history: dict) -> None:
    with Workspaces(history["repo"]).create(history["v3"]) as ws:
        result = apply_patch(ws.path, history["diff"])
        assert result.step is ApplyStep.REDUCED_CONTEXT
        assert [a.step for a in result.attempts] == [
            "strict",
            "already_applied",
            "relocate",
            "reduced_context",
        ]
        assert (ws.path / "f.txt").read_text() == text((3, "THREE"), (6, "SIX"))


def test_three_way_merges_when_reduced_context_is_ambiguous(git_repo: GitRepoFactory) -> None:
    """Both outer context lines changed and the rest occurs twice: the content rungs refuse
    (ambiguity), the three-way merge, which knows the base blob, places it."""
    block = ["x\n", "y\n", "T\n", "z\n", "w\n"]
    base = ["a1\n", "a3\n", *block, "b1\n", "p\n", "q\n", *block, "r\n"]
    repo = git_repo({"f.txt": "".join(base)})
    v1 = git(repo, "rev-parse", "HEAD").strip()
    fixed = list(base)
    fixed[4] = "FIXED\n"
    commit_files(repo, {"f.txt": "".join(fixed)}, "fix")
    diff = git(repo, "diff", v1, "HEAD")
    drifted = list(base)
    drifted[1], drifted[7] = "A3\n", "B1\n"
    v3 = commit_files(repo, {"f.txt": "".join(drifted)}, "drift")
    with Workspaces(repo).create(v3) as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.THREE_WAY
        reduced = next(a for a in result.attempts if a.step is ApplyStep.REDUCED_CONTEXT)
        assert "matches 2 places" in reduced.detail
        expected = list(drifted)
        expected[4] = "FIXED\n"
        assert (ws.path / "f.txt").read_text() == "".join(expected)
        assert git(ws.path, "diff", "--cached") == ""  # left unstaged, like the other rungs


def test_relocate_applies_a_hand_written_diff_with_wrong_counts(
    git_repo: GitRepoFactory,
) -> None:
    repo = git_repo({"f.txt": "a\nb\nc\nd\n"})
    diff = "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n c"  # no final newline
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.RELOCATE
        assert [a.step for a in result.attempts] == ["strict", "already_applied", "relocate"]
        assert (ws.path / "f.txt").read_text() == "a\nB\nc\nd\n"


def test_conflicting_diff_fails_every_step_and_leaves_the_tree_clean(history: dict) -> None:
    with Workspaces(history["repo"]).create(history["v4"]) as ws:
        with pytest.raises(PatchApplyError) as caught:
            apply_patch(ws.path, history["diff"])
        assert [a.split(":")[0] for a in caught.value.attempts] == [
            "strict",
            "already_applied",
            "relocate",
            "reduced_context",
            "symbol",
            "three_way",
        ]
        assert caught.value.attempts[0].startswith("strict:")
        assert clean(ws.path)  # no conflict markers, no unmerged index entries
        assert (ws.path / "f.txt").read_text() == text((6, "six, differently"))


def test_new_files_are_left_untracked(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    diff = "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+new\n"
    with Workspaces(repo).create("HEAD") as ws:
        assert apply_patch(ws.path, diff).step is ApplyStep.STRICT
        assert git(ws.path, "status", "--porcelain") == "?? new.txt\n"


def test_apply_refuses_a_worktree_with_local_changes(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    with Workspaces(repo).create("HEAD") as ws:
        (ws.path / "a.txt").write_text("changed\n")
        with pytest.raises(WorkspaceError):
            apply_patch(ws.path, "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n")


def test_a_worktree_with_local_changes_is_refused_and_kept(history: dict) -> None:
    """The ladder rolls back with ``reset --hard``: it never starts on someone's edits."""
    with Workspaces(history["repo"]).create(history["v1"]) as ws:
        (ws.path / "f.txt").write_text("my own edit\n")
        with pytest.raises(WorkspaceError, match="local changes"):
            apply_patch(ws.path, history["diff"])
        assert (ws.path / "f.txt").read_text() == "my own edit\n"
