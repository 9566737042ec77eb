"""reset_harness on real worktrees: the judged run sees the base revision's harness."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sandbox import (
    HarnessPolicy,
    Workspaces,
    apply_patch,
    reset_harness,
    shadowing_modules,
    top_level_names,
)
from tests.conftest import GitRepoFactory

BASE = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "pkg/__init__.py": "",
    "pkg/util.py": "X = 1\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "pytest.ini": "[pytest]\n",
    "pyproject.toml": '[project]\nname = "calc"\nversion = "0.1"\n',
}


def _diff(repo: Path, files: dict[str, str | None]) -> str:
    for rel, text in files.items():
        if text is None:
            (repo / rel).unlink()
        else:
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, text=True
        ).stdout

    git("add", "-A")
    diff = git("diff", "--cached", "--no-renames", "HEAD")
    git("reset", "-q", "--hard", "HEAD")
    git("clean", "-fdxq")
    return diff


def _reset(repo: Path, files: dict[str, str | None], policy: HarnessPolicy) -> dict[str, str]:
    """Apply the diff of ``files`` in a worktree, reset, and read back every file there."""
    diff = _diff(repo, files)
    with Workspaces(repo).create("HEAD") as ws:
        apply_patch(ws.path, diff)
        reset_harness(ws.path, policy)
        return {
            str(p.relative_to(ws.path)): p.read_text()
            for p in sorted(ws.path.rglob("*"))
            if p.is_file() and ".git" not in p.parts
        }


def test_harness_files_come_from_the_base_and_code_keeps_the_patch(
    git_repo: GitRepoFactory,
) -> None:
    repo = git_repo(BASE)
    after = _reset(
        repo,
        {
            "calc.py": "def add(a, b):\n    return a + b\n",
            "tests/test_calc.py": "def test_add():\n    pass\n",
            "tests/test_aaa.py": "import calc\n",
            "lib/conftest.py": "X = 1\n",
            "evil.pth": "import os\n",
            "sitecustomize.py": "X = 1\n",
            "pytest.ini": "[pytest]\naddopts = -x\n",
        },
        HarnessPolicy(),
    )
    assert after["calc.py"].endswith("a + b\n")
    assert after["tests/test_calc.py"] == BASE["tests/test_calc.py"]
    assert after["pytest.ini"] == "[pytest]\n"
    for added in ("tests/test_aaa.py", "lib/conftest.py", "evil.pth", "sitecustomize.py"):
        assert added not in after


def test_a_deleted_test_file_comes_back(git_repo: GitRepoFactory) -> None:
    repo = git_repo(BASE)
    after = _reset(repo, {"tests/test_calc.py": None}, HarnessPolicy())
    assert after["tests/test_calc.py"] == BASE["tests/test_calc.py"]


def test_pyproject_is_reset_only_when_a_test_section_changes(git_repo: GitRepoFactory) -> None:
    repo = git_repo(BASE)
    deps = BASE["pyproject.toml"] + 'dependencies = ["attrs"]\n'
    assert _reset(repo, {"pyproject.toml": deps}, HarnessPolicy())["pyproject.toml"] == deps
    plugin = BASE["pyproject.toml"] + '\n[project.entry-points.pytest11]\nx = "calc"\n'
    after = _reset(repo, {"pyproject.toml": plugin}, HarnessPolicy())
    assert after["pyproject.toml"] == BASE["pyproject.toml"]
    unreadable = "[project\nname = \n"
    after = _reset(repo, {"pyproject.toml": unreadable}, HarnessPolicy())
    assert after["pyproject.toml"] == BASE["pyproject.toml"], "fail closed"


def test_added_shadowing_modules_are_removed(git_repo: GitRepoFactory) -> None:
    repo = git_repo(BASE)
    after = _reset(
        repo,
        {"json.py": "X = 1\n", "src/calc.py": "X = 1\n", "pkg/json.py": "X = 1\n"},
        HarnessPolicy(),
    )
    assert "json.py" not in after and "src/calc.py" not in after
    assert "pkg/json.py" in after, "inside a package it shadows nothing"


def test_admitted_tests_stay_and_code_at_base_unfixes(git_repo: GitRepoFactory) -> None:
    repo = git_repo(BASE)
    files = {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_new.py": "X = 1\n"}
    fixed = _reset(repo, files, HarnessPolicy(admitted=["tests/test_new.py"]))
    assert "tests/test_new.py" in fixed and fixed["calc.py"].endswith("a + b\n")
    unfixed = _reset(repo, files, HarnessPolicy(admitted=["tests/test_new.py"], code_at_base=True))
    assert "tests/test_new.py" in unfixed and unfixed["calc.py"] == BASE["calc.py"]


def test_a_disabled_policy_changes_nothing(git_repo: GitRepoFactory) -> None:
    repo = git_repo(BASE)
    after = _reset(repo, {"tests/test_aaa.py": "X = 1\n"}, HarnessPolicy(enabled=False))
    assert "tests/test_aaa.py" in after


def test_shadowing_names() -> None:
    names = top_level_names(["calc.py", "pkg/__init__.py", "src/lib2/__init__.py", "a/b.py"])
    assert names == {"calc", "pkg", "lib2"}
    after = ["calc.py", "tests/calc.py", "json.py", "pkg/__init__.py", "pkg/json.py", "pytest.py"]
    found = shadowing_modules(
        ["tests/calc.py", "json.py", "pkg/json.py", "pytest.py"], after, names
    )
    assert [(s.path, s.shadows) for s in found] == [
        ("json.py", "stdlib"),
        ("pytest.py", "runner"),
        ("tests/calc.py", "project"),
    ]
