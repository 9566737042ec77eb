"""Diff extraction and checks shared by the chat and command adapters, on real repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evokernel.adapters.agents._diff import (
    DiffRejectedError,
    check_paths,
    extract_diff,
    git_env,
    normalise_diff,
    strip_level,
    worktree_diff,
)
from evokernel.domain.models.feedback import ReasonCode
from tests.evokernel.agents.conftest import CalcRepo, applies_cleanly

HUNK = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"  # noqa: E501
ENV = git_env(os.environ)


def test_fenced_diff_block_is_extracted_without_the_prose() -> None:
    answer = f"Here is the fix:\n\n```diff\n{HUNK}```\n\nThis makes add add."
    assert extract_diff(answer) == HUNK


def test_unlabelled_fence_holding_a_diff_is_extracted() -> None:
    answer = f"```\n{HUNK}```"
    assert extract_diff(answer) == HUNK


def test_several_diff_blocks_are_joined_in_order() -> None:
    other = HUNK.replace("calc.py", "other.py")
    answer = f"```diff\n{HUNK}```\nand\n```patch\n{other}```\n```python\nprint(1)\n```"
    assert extract_diff(answer) == HUNK + other


def test_bare_diff_after_prose_is_extracted_and_newline_terminated() -> None:
    answer = "Change this:\ndiff --git a/calc.py b/calc.py\n" + HUNK.rstrip("\n")
    assert extract_diff(answer) == "diff --git a/calc.py b/calc.py\n" + HUNK


@pytest.mark.parametrize(
    "answer",
    ["I would change the minus to a plus.", "```python\ndef add(a, b):\n    return a + b\n```", ""],
)
def test_answer_without_a_diff_is_unparsable(answer: str) -> None:
    with pytest.raises(DiffRejectedError) as caught:
        extract_diff(answer)
    assert caught.value.reason is ReasonCode.UNPARSABLE_DIFF


def test_strip_level_detects_missing_git_prefixes() -> None:
    assert strip_level(HUNK) == 1
    assert strip_level(HUNK.replace("a/calc.py", "calc.py").replace("b/calc.py", "calc.py")) == 0
    assert strip_level("--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x\n") == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../outside.py", ReasonCode.PATCH_REFUSED),
        (".git/hooks/pre-commit", ReasonCode.PATCH_REFUSED),
        ("src/.GIT/config", ReasonCode.PATCH_REFUSED),
    ],
)
def test_hostile_paths_are_refused(tmp_path: Path, path: str, reason: ReasonCode) -> None:
    diff = f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+x\n"
    with pytest.raises(DiffRejectedError) as caught:
        check_paths(diff, tmp_path)
    assert caught.value.reason is reason


def test_absolute_path_is_refused(tmp_path: Path) -> None:
    diff = "--- /dev/null\n+++ /etc/cron.d/x\n@@ -0,0 +1 @@\n+x\n"
    with pytest.raises(DiffRejectedError) as caught:
        check_paths(diff, tmp_path)
    assert caught.value.reason is ReasonCode.PATCH_REFUSED


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    diff = (
        "diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n"
        "@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n"
    )
    with pytest.raises(DiffRejectedError) as caught:
        check_paths(diff, tmp_path)
    assert caught.value.reason is ReasonCode.PATCH_REFUSED


def test_normalise_repairs_counts_and_missing_prefixes(calc_repo: CalcRepo) -> None:
    sloppy = HUNK.replace("@@ -1,2 +1,2 @@", "@@ -1,7 +1,3 @@")
    sloppy = sloppy.replace("a/calc.py", "calc.py").replace("b/calc.py", "calc.py")

    clean = normalise_diff(calc_repo.root, calc_repo.base, sloppy, ENV)

    assert clean.startswith("diff --git a/calc.py b/calc.py\n")
    assert applies_cleanly(calc_repo.root, clean)


def test_normalise_leaves_the_worktree_and_its_index_alone(calc_repo: CalcRepo) -> None:
    before = (calc_repo.root / "calc.py").read_text()
    normalise_diff(calc_repo.root, calc_repo.base, HUNK, ENV)
    assert (calc_repo.root / "calc.py").read_text() == before
    assert worktree_diff(calc_repo.root, calc_repo.base, ENV) == ""


def test_normalise_of_a_no_op_diff_is_empty(calc_repo: CalcRepo) -> None:
    noop = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n     return a - b\n"
    with pytest.raises(DiffRejectedError) as caught:
        normalise_diff(calc_repo.root, calc_repo.base, noop, ENV)
    assert caught.value.reason is ReasonCode.EMPTY_DIFF


def test_worktree_diff_respects_gitignore_and_excludes(calc_repo: CalcRepo) -> None:
    root = calc_repo.root
    (root / ".gitignore").write_text("*.log\n")
    (root / "run.log").write_text("noise\n")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("artifact\n")
    (root / "new.py").write_text("x = 1\n")

    diff = worktree_diff(root, calc_repo.base, ENV, excludes=["build/**"])

    assert "b/new.py" in diff and "b/.gitignore" in diff
    assert "run.log" not in diff and "build/out.txt" not in diff
