"""The repository side of the devloop on real git repositories: dirty trees, branches, the guard."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from evokernel import BranchNameError, RepositoryError
from evokernel.adapters.devloop import RepositoryGuard, dirty_paths
from evokernel.adapters.devloop.repository import check_branch, repository_root
from tests.conftest import GitRepoFactory, commit_files
from tests.devloop.conftest import git, repo_state


@pytest.fixture
def repo(git_repo: GitRepoFactory) -> Path:
    return git_repo({"a.py": "A = 1\n", "b.py": "B = 1\n"}, name="r")


def test_clean_tree_has_no_dirty_paths(repo: Path) -> None:
    assert dirty_paths(repo) == []


def test_staged_unstaged_and_untracked_changes_are_dirty(repo: Path) -> None:
    (repo / "a.py").write_text("A = 2\n")
    (repo / "b.py").write_text("B = 2\n")
    git(repo, "add", "b.py")
    (repo / "new" / "c.py").parent.mkdir()
    (repo / "new" / "c.py").write_text("C = 1\n")

    assert dirty_paths(repo) == ["a.py", "b.py", "new/c.py"]


def test_a_store_inside_the_repository_does_not_make_it_dirty(repo: Path) -> None:
    store = repo / ".evokernel" / "store"
    store.mkdir(parents=True)
    (store / "events.log").write_text("x\n")

    assert dirty_paths(repo, ignore=[store]) == []
    assert dirty_paths(repo) == [".evokernel/store/events.log"]


def test_repository_root_refuses_a_directory_that_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError):
        repository_root(tmp_path)


def test_repository_root_is_found_from_a_subdirectory(repo: Path) -> None:
    (repo / "sub").mkdir()
    assert repository_root(repo / "sub") == repo.resolve()


@pytest.mark.parametrize("name", ["bad..name", "-x", "a b", "main"])
def test_invalid_or_checked_out_branches_are_refused(repo: Path, name: str) -> None:
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(BranchNameError) as caught:
        check_branch(repo, name, head)
    assert caught.value.branch == name


def test_a_branch_holding_other_work_is_refused_but_an_earlier_landing_is_not(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "branch", "evo/at-head")
    git(repo, "checkout", "-q", "-b", "evo/landed")
    commit_files(repo, {"a.py": "A = 3\n"}, "one commit on HEAD")
    git(repo, "checkout", "-q", "-b", "evo/other")
    commit_files(repo, {"a.py": "A = 4\n"}, "two commits on HEAD")
    git(repo, "checkout", "-q", "main")

    check_branch(repo, "evo/new", head)
    check_branch(repo, "evo/at-head", head)
    check_branch(repo, "evo/landed", head)
    with pytest.raises(BranchNameError, match="holds other work"):
        check_branch(repo, "evo/other", head)


def test_guard_removes_our_worktrees_and_restores_the_branch_when_cut_short(repo: Path) -> None:
    before = repo_state(repo)
    with pytest.raises(KeyboardInterrupt), RepositoryGuard(repo) as guard:
        guard.protect_branch("evo/x")
        # What a run cut short can leave: a worktree (locked mid-creation) and a new branch.
        parent = Path(tempfile.mkdtemp(prefix="evokernel-land-"))
        git(repo, "worktree", "add", "--detach", "--quiet", str(parent / "wt"), "HEAD")
        git(repo, "worktree", "lock", str(parent / "wt"))
        git(repo, "branch", "evo/x")
        raise KeyboardInterrupt

    assert repo_state(repo) == before
    assert not parent.exists()


def test_guard_leaves_worktrees_and_branches_it_did_not_make(repo: Path, tmp_path: Path) -> None:
    mine = tmp_path / "my-own-worktree"
    with pytest.raises(RuntimeError), RepositoryGuard(repo):
        git(repo, "worktree", "add", "--quiet", "-b", "feature", str(mine))
        raise RuntimeError("crash")

    assert str(mine) in git(repo, "worktree", "list")
    assert git(repo, "branch", "--list", "feature")


def test_guard_does_nothing_on_success(repo: Path) -> None:
    with RepositoryGuard(repo) as guard:
        guard.protect_branch("evo/kept")
        git(repo, "branch", "evo/kept")

    assert git(repo, "branch", "--list", "evo/kept")
