"""The unified-diff reader on real ``git diff`` and ``diff -u`` output, and on broken input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from evokernel.domain.diffparse import DiffParseError, parse_diff
from evokernel.errors import ProposalError
from tests.conftest import GitRepoFactory
from tests.evokernel.conftest import git_stdout


def test_real_git_diff_with_every_kind_of_change(git_repo: GitRepoFactory) -> None:
    root = git_repo(
        {
            "keep.sql": "-- a comment\nselect 1;\n",
            "gone.py": "x = 1\n",
            "old name.py": "".join(f"line {n}\n" for n in range(20)),
            "münze.py": "a = 1\n",
        }
    )
    (root / "keep.sql").write_text("select 1;\n")  # removes a line starting with "--"
    (root / "gone.py").unlink()
    (root / "new.py").write_text("y = 2\n")
    git_stdout(root, "mv", "old name.py", "new name.py")
    (root / "münze.py").write_text("a = 2\n")
    git_stdout(root, "add", "-A")
    changes = {c.path: c for c in parse_diff(git_stdout(root, "diff", "--cached", "-M", "HEAD"))}
    assert sorted(changes) == ["gone.py", "keep.sql", "münze.py", "new name.py", "new.py"]
    assert changes["gone.py"].deleted and changes["gone.py"].new_path is None
    assert changes["new.py"].added and changes["new.py"].old_path is None
    renamed = changes["new name.py"]
    assert renamed.renamed and renamed.old_path == "old name.py" and renamed.hunks == []
    sql = changes["keep.sql"]
    assert sql.hunks[0].lines == ["--- a comment", " select 1;"]
    assert [(op, o, n) for op, o, n, _t in sql.hunks[0].numbered()] == [("-", 1, None), (" ", 2, 1)]
    assert changes["münze.py"].old_path == "münze.py"


def test_plain_diff_u_output(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    (tmp_path / "b.txt").write_text("one\nthree\n")
    done = subprocess.run(
        ["diff", "-u", "a.txt", "b.txt"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    (change,) = parse_diff(done.stdout)
    assert (change.old_path, change.new_path) == ("a.txt", "b.txt")
    assert change.hunks[0].lines == [" one", "-two", "+three"]


def test_empty_diff_has_no_changes() -> None:
    assert parse_diff("") == []
    assert parse_diff("just some words\n") == []


@pytest.mark.parametrize(
    "diff",
    [
        "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n",  # cut short
        "@@ -1 +1 @@\n-a\n+b\n",  # hunk before any file
        "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n?b\n+c\n",  # bad body line
        "--- a/x\n+++ b/x\n@@ -one +1 @@\n",  # bad header
    ],
)
def test_malformed_diffs_raise_a_proposal_error(diff: str) -> None:
    with pytest.raises(DiffParseError) as caught:
        parse_diff(diff)
    assert isinstance(caught.value, ProposalError)
    assert caught.value.line >= 1


def test_quoted_names_are_read_as_git_writes_them() -> None:
    # An escaped quote followed by a space, and a control character git writes as ``\v``.
    diff = 'diff --git "a/q\\" x\\v.py" "b/q\\" x\\v.py"\nold mode 100644\nnew mode 100755\n'
    (change,) = parse_diff(diff)
    assert (change.old_path, change.new_path) == ('q" x\v.py', 'q" x\v.py')
    assert change.mode_changed


def test_badly_quoted_name_is_a_parse_error() -> None:
    with pytest.raises(DiffParseError) as caught:
        parse_diff('--- "a/x\\q"\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n')
    assert caught.value.line == 1


def test_crlf_and_non_utf8_diffs_read_as_text_lines_without_carriage_returns() -> None:
    diff = b"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-caf\xe9 = 1\r\n+caf\xe9 = 2\r\n"
    (change,) = parse_diff(diff)
    assert change.path == "x.py"
    assert change.hunks[0].lines == ["-caf\udce9 = 1", "+caf\udce9 = 2"]
    assert parse_diff(diff.decode("utf-8", "surrogateescape")) == [change]
