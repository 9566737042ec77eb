"""The reward-hacking guard on real ``git diff`` output: tests stay as they are."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from evokernel.domain.diffparse import DiffFileChange, parse_diff
from evokernel.domain.guards import GuardConfig, check_diff_test_edits, check_test_edits
from evokernel.domain.models.feedback import NextAction, ReasonCode
from tests.conftest import GitRepoFactory
from tests.evokernel.conftest import git_stdout

BASE_FILES = {
    "app/__init__.py": "",
    "app/cart.py": "def total(items):\n    return sum(items) + 1\n",
    "tests/__init__.py": "",
    "tests/test_cart.py": (
        "from app.cart import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n"
    ),
    "tests/conftest.py": "import pytest\n",
    "src/pkg/tests/test_inner.py": "def test_inner():\n    assert True\n",
    "pytest.ini": "[pytest]\naddopts = -q\n",
    "setup.cfg": (
        "[metadata]\nname = shop\nversion = 1.0\n"
        + "".join(f"# filler line {n}\n" for n in range(12))
        + "\n[tool:pytest]\naddopts = -q\n"
        + "".join(f"# pytest note {n}\n" for n in range(12))
        + "testpaths = tests\n\n[flake8]\nmax-line-length = 100\n"
    ),
    "pyproject.toml": (
        '[project]\nname = "shop"\nversion = "1.0"\ndependencies = [\n    "requests",\n]\n\n'
        '[tool.pytest.ini_options]\naddopts = "-q"\n\n[tool.ruff]\nline-length = 100\n'
    ),
}


class Repo:
    """A real repository at its first commit; ``diff`` returns a real ``git diff`` of edits."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def diff(
        self, changes: Mapping[str, str | None], renames: Mapping[str, str] | None = None
    ) -> str:
        for old, new in (renames or {}).items():
            git_stdout(self.root, "mv", old, new)
        for rel, text in changes.items():
            path = self.root / rel
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        git_stdout(self.root, "add", "-A")
        return git_stdout(self.root, "diff", "--cached", "-M", "HEAD")

    def read_base(self, path: str) -> str | None:
        try:
            return git_stdout(self.root, "show", f"HEAD:{path}")
        except subprocess.CalledProcessError:
            return None


@pytest.fixture
def repo(git_repo: GitRepoFactory) -> Repo:
    return Repo(git_repo(BASE_FILES))


DEFAULT = GuardConfig()


def _edit(repo: Repo, rel: str, old: str, new: str) -> dict[str, str]:
    text = BASE_FILES[rel]
    assert old in text
    return {rel: text.replace(old, new)}


def test_code_only_fix_passes(repo: Repo) -> None:
    diff = repo.diff(_edit(repo, "app/cart.py", "+ 1", ""))
    verdict = check_diff_test_edits(diff, DEFAULT, repo.read_base)
    assert verdict.ok and verdict.reason_code is None and verdict.findings == []


def test_editing_an_existing_test_is_rejected(repo: Repo) -> None:
    diff = repo.diff(_edit(repo, "tests/test_cart.py", "== 3", "== 4"))
    verdict = check_diff_test_edits(diff, DEFAULT)
    assert not verdict.ok
    assert verdict.reason_code is ReasonCode.TEST_EDITS_REFUSED
    assert verdict.next_action is NextAction.REVERT_TEST_EDITS
    assert [(f.path, f.change) for f in verdict.findings] == [("tests/test_cart.py", "modified")]
    assert "tests/test_cart.py" in verdict.detail


def test_adding_a_new_test_file_is_refused_unless_regression_tests_are_allowed(
    repo: Repo,
) -> None:
    diff = repo.diff(
        {
            "tests/test_new.py": "def test_new():\n    assert 1\n",
            "app/test_helpers_test.py": "def test_x():\n    pass\n",
        }
    )
    verdict = check_diff_test_edits(diff, DEFAULT)
    assert verdict.reason_code is ReasonCode.TEST_EDITS_REFUSED
    assert [f.change for f in verdict.findings] == ["added", "added"]
    allowed = check_diff_test_edits(diff, GuardConfig(allow_new_regression_tests=True))
    assert allowed.ok and allowed.admitted == ["app/test_helpers_test.py", "tests/test_new.py"]
    helper = repo.diff({"tests/helpers.py": "X = 1\n"})  # not a test module: refused anyway
    lenient = GuardConfig(allow_new_regression_tests=True)
    assert check_diff_test_edits(helper, lenient).reason_code is ReasonCode.TEST_EDITS_REFUSED


@pytest.mark.parametrize(
    ("changes", "renames", "expected"),
    [
        ({"tests/test_cart.py": None}, {}, ("tests/test_cart.py", "deleted")),
        ({}, {"tests/test_cart.py": "tests/cart_checks.txt"}, ("tests/test_cart.py", "renamed")),
        (
            {"src/pkg/tests/test_inner.py": "def test_inner():\n    pass\n"},
            {},
            ("src/pkg/tests/test_inner.py", "modified"),
        ),
        (
            {"tests/conftest.py": "import pytest\n\ncollect_ignore = ['test_cart.py']\n"},
            {},
            ("tests/conftest.py", "modified"),
        ),
        (
            {"app/conftest.py": "def pytest_collection_modifyitems(items):\n    items.clear()\n"},
            {},
            ("app/conftest.py", "added"),
        ),
        ({"pytest.ini": "[pytest]\naddopts = -q -k 'not total'\n"}, {}, ("pytest.ini", "modified")),
        ({"tox.ini": "[tox]\nenvlist = py311\n"}, {}, ("tox.ini", "added")),
    ],
)
def test_test_files_and_test_config_may_not_change(
    repo: Repo,
    changes: dict[str, str | None],
    renames: dict[str, str],
    expected: tuple[str, str],
) -> None:
    verdict = check_diff_test_edits(repo.diff(changes, renames), DEFAULT, repo.read_base)
    assert verdict.reason_code is ReasonCode.TEST_EDITS_REFUSED
    assert expected in [(f.path, f.change) for f in verdict.findings]


def test_mode_change_of_a_test_file_is_rejected(repo: Repo) -> None:
    (repo.root / "tests/test_cart.py").chmod(0o755)
    git_stdout(repo.root, "add", "-A")
    diff = git_stdout(repo.root, "diff", "--cached", "HEAD")
    assert "new mode 100755" in diff
    verdict = check_diff_test_edits(diff, DEFAULT)
    assert [(f.path, f.change) for f in verdict.findings] == [("tests/test_cart.py", "mode")]


def test_setup_cfg_metadata_edit_passes_but_pytest_section_edit_does_not(repo: Repo) -> None:
    metadata = repo.diff(_edit(repo, "setup.cfg", "version = 1.0", "version = 1.1"))
    assert check_diff_test_edits(metadata, DEFAULT, repo.read_base).ok
    assert check_diff_test_edits(metadata, DEFAULT).ok  # header [metadata] is in the hunk


def test_setup_cfg_pytest_section_far_below_its_header(repo: Repo) -> None:
    """The hunk does not show ``[tool:pytest]``: the base file tells; without it, fail closed."""
    diff = repo.diff(_edit(repo, "setup.cfg", "testpaths = tests", "testpaths = app"))
    assert "[tool:pytest]" not in diff
    with_base = check_diff_test_edits(diff, DEFAULT, repo.read_base)
    assert [(f.path, f.rule) for f in with_base.findings] == [("setup.cfg", "tool:pytest")]
    without_base = check_diff_test_edits(diff, DEFAULT)
    assert [f.rule for f in without_base.findings] == ["unknown-section"]
    lenient = GuardConfig(unknown_section_is_test=False)
    assert check_diff_test_edits(diff, lenient).ok


def test_setup_cfg_other_section_far_below_its_header_passes_with_base(repo: Repo) -> None:
    diff = repo.diff(_edit(repo, "setup.cfg", "max-line-length = 100", "max-line-length = 120"))
    assert check_diff_test_edits(diff, DEFAULT, repo.read_base).ok


def test_pyproject_dependencies_pass_pytest_options_do_not(repo: Repo) -> None:
    deps = repo.diff(_edit(repo, "pyproject.toml", '"requests",\n', '"requests",\n    "pyyaml",\n'))
    assert check_diff_test_edits(deps, DEFAULT, repo.read_base).ok


def test_pyproject_pytest_options_edit_is_rejected(repo: Repo) -> None:
    diff = repo.diff(_edit(repo, "pyproject.toml", 'addopts = "-q"', 'addopts = "-q -x --lf"'))
    verdict = check_diff_test_edits(diff, DEFAULT, repo.read_base)
    assert [(f.path, f.rule) for f in verdict.findings] == [("pyproject.toml", "tool.pytest")]


def test_adding_a_pytest_table_to_pyproject_is_rejected(repo: Repo) -> None:
    text = BASE_FILES["pyproject.toml"] + "\n[tool.coverage.report]\nfail_under = 0\n"
    verdict = check_diff_test_edits(repo.diff({"pyproject.toml": text}), DEFAULT, repo.read_base)
    assert [f.rule for f in verdict.findings] == ["tool.coverage"]


def test_guard_can_be_disabled_and_patterns_configured(repo: Repo) -> None:
    diff = repo.diff(
        {**_edit(repo, "tests/test_cart.py", "== 3", "== 4"), "spec/cart_spec.py": "x = 1\n"}
    )
    assert check_diff_test_edits(diff, GuardConfig(enabled=False)).ok
    custom = GuardConfig(test_files=["spec/**"], test_config_files=[])
    verdict = check_diff_test_edits(diff, custom)  # tests/ is not a test dir here; spec/ is
    assert [(f.path, f.change) for f in verdict.findings] == [("spec/cart_spec.py", "added")]
    edited_spec = DiffFileChange(old_path="spec/cart_spec.py", new_path="spec/cart_spec.py")
    assert check_test_edits([edited_spec], custom).reason_code is ReasonCode.TEST_EDITS_REFUSED


def test_findings_cover_every_offending_file_sorted(repo: Repo) -> None:
    diff = repo.diff(
        {
            **_edit(repo, "tests/test_cart.py", "== 3", "== 4"),
            "pytest.ini": None,
            "app/cart.py": "def total(items):\n    return sum(items)\n",
        }
    )
    changes = parse_diff(diff)
    verdict = check_test_edits(changes, DEFAULT)
    assert [f.path for f in verdict.findings] == ["pytest.ini", "tests/test_cart.py"]


def test_copying_a_test_file_into_a_new_one_is_adding_a_test(repo: Repo) -> None:
    source = BASE_FILES["tests/test_cart.py"]
    git_stdout(repo.root, "add", "-A")
    (repo.root / "tests/test_cart_more.py").write_text(source + "\n\ndef test_more():\n    pass\n")
    git_stdout(repo.root, "add", "-A")
    diff = git_stdout(repo.root, "diff", "--cached", "-C", "--find-copies-harder", "HEAD")
    assert "copy from tests/test_cart.py" in diff
    (change,) = parse_diff(diff)
    assert change.copied and change.paths == ["tests/test_cart_more.py"]
    refused = check_diff_test_edits(diff, DEFAULT, repo.read_base)
    assert [(f.path, f.change) for f in refused.findings] == [("tests/test_cart_more.py", "added")]
    lenient = GuardConfig(allow_new_regression_tests=True)
    assert check_diff_test_edits(diff, lenient, repo.read_base).admitted == [
        "tests/test_cart_more.py"
    ]
