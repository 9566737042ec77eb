"""Worktrees at a revision, cleaned up; blast radius with untracked files; run-made changes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sandbox import (
    WorkspaceError,
    WorkspaceInputError,
    Workspaces,
    blast_radius,
    changed_by_run,
    snapshot,
)
from tests.conftest import GitRepoFactory, commit_files


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def worktree_count(repo: Path) -> int:
    return git(repo, "worktree", "list", "--porcelain").count("worktree ")


def test_workspace_is_a_detached_worktree_at_the_revision(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "one\n"})
    first = git(repo, "rev-parse", "HEAD").strip()
    commit_files(repo, {"a.txt": "two\n"}, "second")
    with Workspaces(repo).create(first[:10], name="at-first") as ws:
        assert ws.base_rev == first and ws.name == "at-first"
        assert (ws.path / "a.txt").read_text() == "one\n"
        assert git(ws.path, "rev-parse", "HEAD").strip() == first
        assert git(ws.path, "branch", "--show-current").strip() == ""  # detached
        assert worktree_count(repo) == 2
    assert not ws.path.exists() and not ws.path.parent.exists()
    assert worktree_count(repo) == 1
    assert git(repo, "status", "--porcelain") == ""  # the user's checkout is untouched


def test_cleanup_is_idempotent_and_prunes_a_deleted_directory(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    ws = Workspaces(repo).create("HEAD")
    subprocess.run(["rm", "-rf", str(ws.path)], check=True)
    ws.cleanup()
    ws.cleanup()
    assert worktree_count(repo) == 1


def test_cleanup_removes_read_only_leftovers(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    with Workspaces(repo).create("HEAD") as ws:
        locked = ws.path / "locked"
        locked.mkdir()
        (locked / "f").write_text("x")
        locked.chmod(0o500)
    assert not ws.path.parent.exists()


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=/tmp/x", "", "HEAD~5", "a b"])
def test_bad_revision_is_refused(git_repo: GitRepoFactory, rev: str) -> None:
    """Bad input (exit code 2 at the CLI), not a git failure; nothing is left."""
    repo = git_repo({"a.txt": "a\n"})
    with pytest.raises(WorkspaceInputError, match="bad revision"):
        Workspaces(repo).create(rev)
    assert worktree_count(repo) == 1


def test_a_revision_naming_a_tree_or_blob_is_refused(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    for rev in (git(repo, "rev-parse", "HEAD^{tree}").strip(), "HEAD:a.txt"):
        with pytest.raises(WorkspaceInputError, match="names no commit"):
            Workspaces(repo).create(rev)
    assert worktree_count(repo) == 1


def test_the_workspace_knows_the_full_sha_of_any_name_of_its_commit(
    git_repo: GitRepoFactory,
) -> None:
    repo = git_repo({"a.txt": "a\n"})
    first = git(repo, "rev-parse", "HEAD").strip()
    second = commit_files(repo, {"a.txt": "b\n"}, "two")
    git(repo, "tag", "-a", "-m", "annotated", "v1", first)
    for rev, sha in [("HEAD", second), (second[:8], second), ("v1", first), ("HEAD~1", first)]:
        with Workspaces(repo).create(rev) as ws:
            assert ws.base_rev == sha
            assert git(ws.path, "rev-parse", "HEAD").strip() == sha


def test_not_a_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError):
        Workspaces(tmp_path)


def test_a_repository_deleted_since_it_was_seen_is_refused(git_repo: GitRepoFactory) -> None:
    """Its directories are remembered only while they exist."""
    repo = git_repo({"a.txt": "a\n"})
    assert Workspaces(repo).repo_path == repo
    shutil.rmtree(repo / ".git")
    with pytest.raises(WorkspaceInputError, match="not a git repository"):
        Workspaces(repo)


def test_blast_radius_counts_untracked_files_without_touching_the_index(
    git_repo: GitRepoFactory,
) -> None:
    repo = git_repo({"a.txt": "1\n2\n3\n", "gone.txt": "x\ny\n", ".gitignore": "*.log\n"})
    (repo / "a.txt").write_text("1\nTWO\n3\n4\n")
    (repo / "gone.txt").unlink()
    (repo / "pkg").mkdir()
    (repo / "pkg" / "new.py").write_text("a = 1\nb = 2\nc = 3\n")
    (repo / "ignored.log").write_text("noise\n")
    index_before = (repo / ".git" / "index").read_bytes()
    radius = blast_radius(repo)
    assert radius.files == ["a.txt", "gone.txt", "pkg/new.py"]
    assert (radius.lines_added, radius.lines_removed) == (2 + 3, 1 + 2)
    assert radius.changed_lines == 8
    assert (repo / ".git" / "index").read_bytes() == index_before
    assert "?? pkg/" in git(repo, "status", "--porcelain")  # still untracked


def test_blast_radius_of_a_clean_tree_is_empty(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    assert blast_radius(repo).files == []


def test_changed_by_run_reports_only_files_that_existed_before(
    git_repo: GitRepoFactory,
) -> None:
    repo = git_repo({"a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"})
    (repo / "patched_new.txt").write_text("from the patch\n")  # untracked, from a patch
    before = snapshot(repo)
    (repo / "a.txt").write_text("a, rewritten by the tests\n")
    (repo / "c.txt").unlink()
    (repo / "b.txt").touch()  # same content, new mtime: not a change
    (repo / "patched_new.txt").write_text("rewritten too\n")
    (repo / "report.xml").write_text("<x/>")  # created by the run: not listed
    assert changed_by_run(before, snapshot(repo)) == ["a.txt", "c.txt", "patched_new.txt"]


def test_snapshot_gives_the_worktree_content_of_every_kind_of_file(
    git_repo: GitRepoFactory,
) -> None:
    """Clean, modified, deleted, untracked, ignored, symlinked and oddly named files, each as
    ``git hash-object`` sees the worktree (one ``ls-files`` lists them all)."""
    repo = git_repo(
        {"clean.txt": "c\n", "mod.txt": "m\n", "gone.txt": "g\n", ".gitignore": "*.log\n"}
    )
    (repo / "mod.txt").write_text("m, changed\n")
    (repo / "gone.txt").unlink()
    (repo / "new dir").mkdir()
    (repo / "new dir" / "a\tb.txt").write_text("tab\n")
    (repo / "run.log").write_text("ignored\n")
    (repo / "link").symlink_to("clean.txt")

    def hashed(path: str) -> str:
        return git(repo, "hash-object", "--", path).strip()

    assert snapshot(repo).files == {
        ".gitignore": hashed(".gitignore"),
        "clean.txt": hashed("clean.txt"),
        "mod.txt": hashed("mod.txt"),
        "gone.txt": None,
        "new dir/a\tb.txt": hashed("new dir/a\tb.txt"),
        "link": subprocess.run(
            ["git", "hash-object", "--stdin"], cwd=repo, input=b"clean.txt", capture_output=True
        )
        .stdout.decode()
        .strip(),
    }
