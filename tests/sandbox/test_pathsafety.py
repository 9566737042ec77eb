"""Hostile diffs are refused, with a reason and a path, before anything runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sandbox import (
    ChangeKind,
    PatchPolicy,
    PatchRefusedError,
    RefusalReason,
    Stage,
    ValidationPlan,
    Validator,
    check_diff,
    diff_paths,
    validate_patch,
)
from sandbox.pathsafety import read_file_nofollow
from tests.conftest import GitRepoFactory, commit_files
from tests.sandbox.conftest import CALC_FIX

POLICY = PatchPolicy()


def new_file(path: str, body: str = "x", mode: str = "100644") -> str:
    return (
        f"diff --git a/{path} b/{path}\n"
        f"new file mode {mode}\n"
        f"--- /dev/null\n"
        f"+++ b/{path}\n"
        f"@@ -0,0 +1 @@\n"
        f"+{body}\n"
    )


def refusal(diff: str, root: Path, policy: PatchPolicy = POLICY) -> PatchRefusedError:
    with pytest.raises(PatchRefusedError) as caught:
        check_diff(diff, root, policy)
    return caught.value


@pytest.fixture
def repo(git_repo: GitRepoFactory) -> Path:
    return git_repo({"calc.py": "def add(a, b):\n    return a - b\n", "docs/readme.md": "hi\n"})


# -- accepted diffs, described file by file ----------------------------------------------


def test_plain_modification_is_described(repo: Path) -> None:
    [file] = check_diff(CALC_FIX, repo, POLICY)
    assert (file.old_path, file.new_path, file.change) == ("calc.py", "calc.py", "modified")


def test_rename_with_spaces_copy_mode_and_deletion_are_read(repo: Path) -> None:
    diff = (
        "diff --git a/old name.py b/new name.py\n"
        "similarity index 100%\n"
        "rename from old name.py\n"
        "rename to new name.py\n"
        "diff --git a/calc.py b/lib/calc.py\n"
        "similarity index 100%\n"
        "copy from calc.py\n"
        "copy to lib/calc.py\n"
        "diff --git a/run.sh b/run.sh\n"
        "old mode 100644\n"
        "new mode 100755\n"
        "diff --git a/docs/readme.md b/docs/readme.md\n"
        "deleted file mode 100644\n"
        "--- a/docs/readme.md\n"
        "+++ /dev/null\n"
        "@@ -1 +0,0 @@\n"
        "-hi\n"
    )
    files = check_diff(diff, repo, POLICY)
    assert [(f.old_path, f.new_path, f.change) for f in files] == [
        ("old name.py", "new name.py", ChangeKind.RENAMED),
        ("calc.py", "lib/calc.py", ChangeKind.COPIED),
        ("run.sh", "run.sh", ChangeKind.MODIFIED),
        ("docs/readme.md", None, ChangeKind.DELETED),
    ]
    assert (files[2].old_mode, files[2].new_mode) == ("100644", "100755")
    assert diff_paths(diff) == sorted(
        ["calc.py", "docs/readme.md", "lib/calc.py", "new name.py", "old name.py", "run.sh"]
    )


def test_quoted_names_are_unquoted(repo: Path) -> None:
    diff = (
        'diff --git "a/caf\\303\\251 \\"x\\".txt" "b/caf\\303\\251 \\"x\\".txt"\n'
        "new file mode 100644\n"
        "--- /dev/null\n"
        '+++ "b/caf\\303\\251 \\"x\\".txt"\n'
        "@@ -0,0 +1 @@\n"
        "+hello\n"
    )
    [file] = check_diff(diff, repo, POLICY)
    assert file.new_path == 'café "x".txt' and file.change is ChangeKind.ADDED


def test_symlink_pointing_inside_is_accepted(repo: Path) -> None:
    [file] = check_diff(new_file("docs/link", "../calc.py", "120000"), repo, POLICY)
    assert file.symlink_target == "../calc.py"


def test_traditional_diff_with_timestamps_is_read(repo: Path) -> None:
    diff = (
        "--- a/calc.py\t2024-01-01 00:00:00\n"
        "+++ b/calc.py\t2024-01-01 00:00:01\n"
        "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
    )
    assert [f.path for f in check_diff(diff, repo, POLICY)] == ["calc.py"]


# -- refused diffs: one reason each ------------------------------------------------------


@pytest.mark.parametrize(
    ("diff", "reason", "path"),
    [
        ("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "absolute_path", "/etc/passwd"),
        (new_file("/etc/cron.d/x"), "absolute_path", "a//etc/cron.d/x"),
        (new_file("../../outside.txt"), "outside_repository", "a/../../outside.txt"),
        (new_file("docs/../../x.py"), "outside_repository", "a/docs/../../x.py"),
        (new_file(".git/hooks/pre-commit"), "git_dir", "a/.git/hooks/pre-commit"),
        (new_file(".GIT/config"), "git_dir", "a/.GIT/config"),
        (new_file("vendor/.git/config"), "git_dir", "a/vendor/.git/config"),
        (new_file("evil", "/etc/passwd", "120000"), "symlink_escape", "evil"),
        (new_file("docs/evil", "../../..", "120000"), "symlink_escape", "docs/evil"),
        (new_file("hooks", ".git/hooks", "120000"), "git_dir", "hooks"),
        (new_file("sub", "x", "160000"), "submodule", "sub"),
        (new_file(".github/workflows/ci.yml"), "forbidden_glob", ".github/workflows/ci.yml"),
        ("", "empty_diff", ""),
        ("just some words\nno headers\n", "empty_diff", ""),
        ('diff --git "a/x b/x\n--- "a/x\n+++ b/x\n', "unparsable", ""),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)
def test_hostile_diff_is_refused(repo: Path, diff: str, reason: str, path: str) -> None:
    error = refusal(diff, repo)
    assert (error.reason, error.path) == (reason, path)
    assert isinstance(error.reason, RefusalReason)


def test_header_hidden_inside_a_miscounted_hunk_is_still_checked(repo: Path) -> None:
    # The hunk claims one line; `git apply --recount` would read on, so the names still count.
    diff = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-x\n+y\n"
        "--- a/calc.py\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"
    )
    assert refusal(diff, repo).reason == "outside_repository"


def test_ambiguous_git_line_is_checked_piece_by_piece(repo: Path) -> None:
    diff = "diff --git a/x b/../../y\nold mode 100644\nnew mode 100755\n"
    assert refusal(diff, repo).reason == "outside_repository"


def test_forbidden_globs_follow_path_rules(repo: Path) -> None:
    policy = PatchPolicy(forbidden_globs=["secrets/**", "*.pem", "config/prod.*"])
    for path in ("secrets/db.txt", "secrets/deep/er.txt", "keys/server.pem", "config/prod.yml"):
        assert refusal(new_file(path), repo, policy).reason == "forbidden_glob", path
    for path in ("notsecrets/db.txt", "pem.txt", "config/sub/prod.yml"):
        check_diff(new_file(path), repo, policy)


def test_rename_and_copy_targets_are_checked_without_a_prefix(repo: Path) -> None:
    # "rename to" names carry no a/ or b/ prefix; stripping one would dodge the glob.
    for verb in ("rename", "copy"):
        diff = (
            f"diff --git a/calc.py b/calc2.py\n"
            f"similarity index 100%\n{verb} from calc.py\n{verb} to .github/workflows/ci.yml\n"
        )
        error = refusal(diff, repo)
        assert (error.reason, error.path) == ("forbidden_glob", ".github/workflows/ci.yml")


def test_oversize_diff_is_refused(repo: Path) -> None:
    policy = PatchPolicy(max_diff_bytes=len(CALC_FIX) - 1)
    error = refusal(CALC_FIX, repo, policy)
    assert error.reason == "diff_too_large" and error.path == ""


def test_binary_patch_above_its_cap_is_refused(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a.txt": "a\n"})
    (repo / "blob.bin").write_bytes(bytes(range(256)) * 8)  # 2048 bytes, not text
    subprocess.run(["git", "add", "-N", "blob.bin"], cwd=repo, check=True)
    diff = subprocess.run(
        ["git", "diff", "--binary"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
    assert "GIT binary patch" in diff
    [file] = check_diff(diff, repo, PatchPolicy(max_binary_bytes=4096))
    assert file.binary and file.new_path == "blob.bin"
    error = refusal(diff, repo, PatchPolicy(max_binary_bytes=1000))
    assert (error.reason, error.path) == ("binary_too_large", "blob.bin")


def test_path_through_existing_symlink_pointing_out_is_refused(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = git_repo({"a.txt": "a\n"})
    os.symlink(outside, repo / "vendor")
    commit_files(repo, {}, "add a symlinked directory")
    error = refusal(new_file("vendor/evil.py"), repo)
    assert (error.reason, error.path) == ("symlink_escape", "vendor/evil.py")


def test_moving_a_symlink_where_it_resolves_outside_is_refused(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"a/keep.txt": "k\n", "target.txt": "t\n"})
    os.symlink("../target.txt", repo / "a" / "link")  # fine where it is
    commit_files(repo, {}, "add link")
    diff = "diff --git a/a/link b/link\nsimilarity index 100%\nrename from a/link\nrename to link\n"
    assert refusal(diff, repo).reason == "symlink_escape"


def test_hostile_diff_is_refused_before_anything_runs(
    calc_repo: Path, local_sandbox: object, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    plan = ValidationPlan(stages=[Stage(name="t", command=["touch", str(marker)])])
    with pytest.raises(PatchRefusedError) as caught:
        validate_patch(
            calc_repo,
            "HEAD",
            new_file(".git/hooks/post-checkout"),
            plan,
            Validator(local_sandbox),  # type: ignore[arg-type]
        )
    assert caught.value.reason == "git_dir"
    assert not marker.exists()
    worktrees = subprocess.run(
        ["git", "worktree", "list", "--porcelain"], cwd=calc_repo, capture_output=True, text=True
    ).stdout
    assert worktrees.count("worktree ") == 1  # the worktree made for it is gone


# -- reading back never follows links ----------------------------------------------------


def test_read_file_nofollow_reads_regular_files_only(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_bytes(b"0123456789")
    os.symlink("/etc/hostname", tmp_path / "link")
    os.symlink(tmp_path / "d", tmp_path / "dlink")
    assert read_file_nofollow(tmp_path, "d/f.txt", 100) == b"0123456789"
    assert read_file_nofollow(tmp_path, "d/f.txt", 4) == b"0123"
    assert read_file_nofollow(tmp_path, "link", 100) is None
    assert read_file_nofollow(tmp_path, "dlink/f.txt", 100) is None
    assert read_file_nofollow(tmp_path, "d/../d/f.txt", 100) is None
    assert read_file_nofollow(tmp_path, "d", 100) is None
