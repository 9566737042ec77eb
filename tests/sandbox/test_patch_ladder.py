"""The ladder's content rungs on real worktrees: relocate, reduced context, symbol, moved files,
and the refusals that keep a patch out of the wrong function."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import ApplyStep, PatchApplyError, Workspaces, apply_patch
from tests.conftest import GitRepoFactory, commit_files


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=60
    ).stdout


def fix_diff(git_repo: GitRepoFactory, path: str, before: bytes, after: bytes) -> bytes:
    """The diff ``git diff`` writes for ``before`` -> ``after`` of ``path``, in its own repo
    (so its ``index`` blobs are not in the repositories it is applied to)."""
    repo = git_repo({"README": "capture\n"})
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_bytes(before)
    commit_files(repo, {}, "before")
    (repo / path).write_bytes(after)
    return git(repo, "diff")


def drifted(git_repo: GitRepoFactory, files: dict[str, bytes]) -> Path:
    repo = git_repo({"README": "drifted\n"})
    commit_files(repo, files, "drifted")
    return repo


def clean(path: Path) -> bool:
    return git(path, "status", "--porcelain") == b""


ADD_BUG = b"def add(a, b):\n    return a - b\n"
ADD_FIX = b"def add(a, b):\n    return a + b\n"
OTHERS = b"def sub(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n\n\n"


def test_hunk_at_line_1_relocates_when_the_function_moved_down(git_repo: GitRepoFactory) -> None:
    """The issue's case 1: git pins a hunk starting at line 1 to the file's start."""
    diff = fix_diff(git_repo, "calc.py", ADD_BUG, ADD_FIX)
    repo = drifted(git_repo, {"calc.py": OTHERS + ADD_BUG})
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.RELOCATE
        assert [a.ok for a in result.attempts] == [False, False, True]
        assert (ws.path / "calc.py").read_bytes() == OTHERS + ADD_FIX  # sub untouched
        assert result.path_map == {}


def test_reduced_context_never_drops_a_side_bare(git_repo: GitRepoFactory) -> None:
    """Context ``def add`` is the only line pinning ``return a - b``; it is gone, and the same
    line in ``sub`` must not be taken for it by any rung."""
    diff = fix_diff(git_repo, "calc.py", ADD_BUG, ADD_FIX)
    target = OTHERS + b"def plus(a, b):\n    return a + b\n"
    repo = drifted(git_repo, {"calc.py": target})
    with Workspaces(repo).create("HEAD") as ws:
        with pytest.raises(PatchApplyError) as caught:
            apply_patch(ws.path, diff)
        assert "symbol: no def add" in caught.value.attempts[4]
        # The diff's base blob is not in this repository: --3way would only retry strict.
        assert caught.value.attempts[5].startswith("three_way: skipped")
        assert (ws.path / "calc.py").read_bytes() == target
        assert clean(ws.path)


def test_ambiguous_look_alike_is_refused_then_resolved_by_the_enclosing_function(
    git_repo: GitRepoFactory,
) -> None:
    before = b"def add(a, b):\n    return a - b\n"
    diff = fix_diff(git_repo, "calc.py", before, b"def add(a, b):\n    return a + b\n")
    # add's def line drifted (a comment), so only the look-alike body line is left to match.
    target = OTHERS + b"def add(a, b):  # sums\n    return a - b\n"
    repo = drifted(git_repo, {"calc.py": target})
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.SYMBOL
        assert (ws.path / "calc.py").read_bytes() == OTHERS + (
            b"def add(a, b):  # sums\n    return a + b\n"
        )


def test_reduced_context_refuses_a_unique_match_in_another_function(
    git_repo: GitRepoFactory,
) -> None:
    """Trimmed context finds the body only in ``sub``: a Python hunk written for ``add`` may
    not land there, at any rung."""
    before = b"import os\n\n\ndef add(a, b):\n    x = 1\n    return a - b\n\n\nX = 1\n"
    after = before.replace(b"return a - b", b"return a + b")
    diff = fix_diff(git_repo, "calc.py", before, after)
    target = b"import os\n\n\ndef sub(a, b):\n    x = 1\n    return a - b\n\n\nX = 1\n"
    repo = drifted(git_repo, {"calc.py": target})
    with Workspaces(repo).create("HEAD") as ws:
        with pytest.raises(PatchApplyError) as caught:
            apply_patch(ws.path, diff)
        assert "would land in sub, not in add" in caught.value.attempts[3]
        assert (ws.path / "calc.py").read_bytes() == target


def test_function_that_became_a_method_is_patched_reindented_and_passes(
    git_repo: GitRepoFactory,
) -> None:
    before = b'def add(a, b):\n    """Sum."""\n    return a - b\n'
    diff = fix_diff(git_repo, "calc.py", before, before.replace(b"a - b", b"a + b"))
    target = (
        b"class Calc:\n    def sub(self, a, b):\n        return a - b\n\n"
        b'    def add(self, a, b):\n        """Sum."""\n        return a - b\n'
    )
    test = b"from calc import Calc\n\n\ndef test_add():\n    assert Calc().add(2, 3) == 5\n"
    repo = drifted(git_repo, {"calc.py": target, "test_calc.py": test})
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.SYMBOL
        patched = (ws.path / "calc.py").read_text()
        assert "        return a + b\n" in patched and "    def sub" in patched
        compile(patched, "calc.py", "exec")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_calc.py"],
            cwd=ws.path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr


def test_symbol_rung_uses_the_original_blob_when_the_repository_has_it(
    git_repo: GitRepoFactory,
) -> None:
    """Hunk context without any ``def`` line: the enclosing function comes from the blob."""
    body = b"".join(b"    v%d = %d\n" % (n, n) for n in range(8))
    before = b"def add(a, b):\n" + body + b"    return a - b\n"
    repo = git_repo({"README": "r\n"})
    (repo / "calc.py").write_bytes(before)
    v1 = commit_files(repo, {}, "v1")
    (repo / "calc.py").write_bytes(before.replace(b"a - b", b"a + b"))
    diff = git(repo, "diff")
    git(repo, "checkout", "calc.py")
    sub = b"def sub(a, b):\n" + body + b"    return a - b\n\n\n"
    indented = b"class C:\n    def add(self, a, b):\n" + body.replace(b"    ", b"        ")
    target = sub + indented + b"        return a - b\n"
    (repo / "calc.py").write_bytes(target)
    commit_files(repo, {}, "v2")
    assert v1
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.SYMBOL
        patched = (ws.path / "calc.py").read_bytes()
        assert patched == sub + indented + b"        return a + b\n"


def test_moved_module_is_found_and_the_path_mapping_recorded(git_repo: GitRepoFactory) -> None:
    diff = fix_diff(git_repo, "pkg.py", ADD_BUG, ADD_FIX)
    repo = drifted(
        git_repo,
        {"pkg/__init__.py": b"from pkg.ops import add\n", "pkg/ops.py": OTHERS + ADD_BUG},
    )
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.RELOCATE
        assert result.path_map == {"pkg.py": "pkg/ops.py"}
        assert (ws.path / "pkg/ops.py").read_bytes() == OTHERS + ADD_FIX
        assert not (ws.path / "pkg.py").exists()


def test_moved_module_in_src_layout_that_became_a_method(git_repo: GitRepoFactory) -> None:
    diff = fix_diff(git_repo, "calc.py", ADD_BUG, ADD_FIX)
    target = b"class Calc:\n    def add(self, a, b):\n        return a - b\n"
    repo = drifted(git_repo, {"src/calc/core.py": target, "src/calc/__init__.py": b""})
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.SYMBOL
        assert result.path_map == {"calc.py": "src/calc/core.py"}
        assert (ws.path / "src/calc/core.py").read_bytes() == target.replace(b"a - b", b"a + b")


def test_moved_code_found_in_two_files_is_refused(git_repo: GitRepoFactory) -> None:
    diff = fix_diff(git_repo, "pkg.py", ADD_BUG, ADD_FIX)
    repo = drifted(git_repo, {"pkg/a.py": ADD_BUG, "vendor/b.py": ADD_BUG})
    with Workspaces(repo).create("HEAD") as ws:
        with pytest.raises(PatchApplyError) as caught:
            apply_patch(ws.path, diff)
        assert "fit 2 files" in caught.value.attempts[2]
        assert clean(ws.path)


def test_crlf_file_round_trips_strictly_and_through_relocate(git_repo: GitRepoFactory) -> None:
    crlf_bug, crlf_fix = (x.replace(b"\n", b"\r\n") for x in (ADD_BUG, ADD_FIX))
    diff = fix_diff(git_repo, "calc.py", crlf_bug, crlf_fix)
    assert b"\r\n" in diff
    same = drifted(git_repo, {"calc.py": crlf_bug})
    with Workspaces(same).create("HEAD") as ws:
        assert apply_patch(ws.path, diff).step is ApplyStep.STRICT
        assert (ws.path / "calc.py").read_bytes() == crlf_fix
    others = OTHERS.replace(b"\n", b"\r\n")
    moved = drifted(git_repo, {"calc.py": others + crlf_bug})
    with Workspaces(moved).create("HEAD") as ws:
        assert apply_patch(ws.path, diff.decode("utf-8")).step is ApplyStep.RELOCATE
        assert (ws.path / "calc.py").read_bytes() == others + crlf_fix


def test_diff_that_lost_its_carriage_returns_keeps_the_files_crlf(
    git_repo: GitRepoFactory,
) -> None:
    diff = fix_diff(git_repo, "calc.py", ADD_BUG, ADD_FIX)
    crlf = (OTHERS + ADD_BUG).replace(b"\n", b"\r\n")
    repo = drifted(git_repo, {"calc.py": crlf})
    with Workspaces(repo).create("HEAD") as ws:
        assert apply_patch(ws.path, diff).step is ApplyStep.RELOCATE
        assert (ws.path / "calc.py").read_bytes() == (OTHERS + ADD_FIX).replace(b"\n", b"\r\n")


def test_missing_final_newline_survives_relocate(git_repo: GitRepoFactory) -> None:
    diff = fix_diff(git_repo, "calc.py", ADD_BUG.rstrip(b"\n"), ADD_FIX.rstrip(b"\n"))
    assert b"\\ No newline at end of file" in diff
    repo = drifted(git_repo, {"calc.py": OTHERS + ADD_BUG.rstrip(b"\n")})
    with Workspaces(repo).create("HEAD") as ws:
        assert apply_patch(ws.path, diff).step is ApplyStep.RELOCATE
        assert (ws.path / "calc.py").read_bytes() == OTHERS + ADD_FIX.rstrip(b"\n")


def test_non_utf8_bytes_survive_relocate(git_repo: GitRepoFactory) -> None:
    before = b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n"
    after = b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9s'\n"
    diff = fix_diff(git_repo, "m.py", before, after)
    repo = drifted(git_repo, {"m.py": b"X = 1\n" + before})
    with Workspaces(repo).create("HEAD") as ws:
        text_form = diff.decode("utf-8", "surrogateescape")  # how the kernel holds a patch
        assert apply_patch(ws.path, text_form).step is ApplyStep.RELOCATE
        assert (ws.path / "m.py").read_bytes() == b"X = 1\n" + after


def test_added_lines_already_there_are_not_added_twice(git_repo: GitRepoFactory) -> None:
    before = b"a\nb\nc\n"
    diff = fix_diff(git_repo, "f.txt", before, before + b"d\n")
    repo = drifted(git_repo, {"f.txt": b"new\n" + before + b"d\n"})
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.ALREADY_APPLIED
        assert result.attempts[-1].detail == "the reverse diff relocates by content"
        assert (ws.path / "f.txt").read_bytes() == b"new\n" + before + b"d\n"


def test_failed_rung_writes_nothing_when_one_file_of_two_does_not_fit(
    git_repo: GitRepoFactory,
) -> None:
    one = fix_diff(git_repo, "a.py", ADD_BUG, ADD_FIX)
    two = fix_diff(git_repo, "b.txt", b"x\ny\n", b"x\nY\n")
    repo = drifted(git_repo, {"a.py": OTHERS + ADD_BUG, "b.txt": b"other\n"})
    with Workspaces(repo).create("HEAD") as ws:
        with pytest.raises(PatchApplyError):
            apply_patch(ws.path, one + two)
        assert clean(ws.path)  # a.py fitted, but the rung is all-or-nothing


def test_rename_with_a_change_relocates_to_the_new_name(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"README": "capture\n"})
    (repo / "old.py").write_bytes(ADD_BUG + b"\n\n" + OTHERS)
    commit_files(repo, {}, "before")
    git(repo, "mv", "old.py", "new.py")
    (repo / "new.py").write_bytes(ADD_FIX + b"\n\n" + OTHERS)
    git(repo, "add", "-A")
    diff = git(repo, "diff", "-M", "--cached")
    assert b"rename from old.py" in diff
    target = drifted(git_repo, {"old.py": b"X = 1\n" + ADD_BUG + b"\n\n" + OTHERS})
    with Workspaces(target).create("HEAD") as ws:
        assert apply_patch(ws.path, diff).step is ApplyStep.RELOCATE
        assert not (ws.path / "old.py").exists()
        assert (ws.path / "new.py").read_bytes() == b"X = 1\n" + ADD_FIX + b"\n\n" + OTHERS


def test_content_rungs_never_write_through_a_symlinked_folder(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = git_repo({"README": "r\n"})
    (repo / "link").symlink_to(outside)
    commit_files(repo, {}, "link")
    diff = b"--- /dev/null\n+++ b/link/evil.py\n@@ -0,0 +1 @@\n+x = 1\n"
    with Workspaces(repo).create("HEAD") as ws, pytest.raises(PatchApplyError):
        apply_patch(ws.path, diff)
    assert list(outside.iterdir()) == []


def test_hand_written_diff_that_lost_trailing_blanks_applies_at_reduced_context(
    git_repo: GitRepoFactory,
) -> None:
    repo = drifted(git_repo, {"f.py": b"def f():\n    x = 1   \n    return x\n"})
    diff = "--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,3 @@\n def f():\n-    x = 1\n+    x = 2\n"
    diff += "     return x\n"
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.step is ApplyStep.REDUCED_CONTEXT
        assert (ws.path / "f.py").read_bytes() == b"def f():\n    x = 2\n    return x\n"


def test_function_moved_to_another_module_while_its_old_module_stays(
    git_repo: GitRepoFactory,
) -> None:
    """``utils.py`` still exists but ``add`` left it for ``mathutils.py``: the code, not the
    path, decides where the hunk goes."""
    diff = fix_diff(git_repo, "utils.py", ADD_BUG + b"\n\n" + OTHERS, ADD_FIX + b"\n\n" + OTHERS)
    repo = drifted(
        git_repo,
        {
            "utils.py": b"from mathutils import add\n\n\n" + OTHERS,
            "mathutils.py": b"import os\n\n\n" + ADD_BUG,
        },
    )
    with Workspaces(repo).create("HEAD") as ws:
        result = apply_patch(ws.path, diff)
        assert result.path_map == {"utils.py": "mathutils.py"}
        assert (ws.path / "mathutils.py").read_bytes() == b"import os\n\n\n" + ADD_FIX
        assert (ws.path / "utils.py").read_bytes() == b"from mathutils import add\n\n\n" + OTHERS


def test_symbol_rung_refuses_when_two_methods_have_the_function_name(
    git_repo: GitRepoFactory,
) -> None:
    diff = fix_diff(git_repo, "calc.py", ADD_BUG, ADD_FIX)
    target = (
        b"class A:\n    def add(self, a, b):\n        return a - b\n\n\n"
        b"class B:\n    def add(self, a, b):\n        return a - b\n"
    )
    repo = drifted(git_repo, {"calc.py": target})
    with Workspaces(repo).create("HEAD") as ws:
        with pytest.raises(PatchApplyError) as caught:
            apply_patch(ws.path, diff)
        assert "2 functions are named add" in caught.value.attempts[4]
        assert (ws.path / "calc.py").read_bytes() == target
