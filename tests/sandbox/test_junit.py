"""pytest's JUnit XML, from real pytest runs, parsed into outcomes keyed by pytest's node ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import JUnitParseError, TestOutcome, parse_junit
from sandbox.junit import node_id

PROJECT = {
    "pytest.ini": "[pytest]\n",
    "tests/test_mod.py": """
import pytest

def test_pass():
    pass

def test_fail():
    assert 1 == 2

@pytest.fixture
def broken():
    raise RuntimeError("setup")

def test_setup_error(broken):
    pass

@pytest.fixture
def bad_teardown():
    yield
    raise RuntimeError("teardown")

def test_teardown_error(bad_teardown):
    pass

@pytest.mark.skip(reason="no")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1

class TestGroup:
    def test_in_class(self):
        pass

    class TestInner:
        def test_nested(self):
            pass
""",
    "tests/sub/test_deep.py": "def test_deep():\n    pass\n",
    "tests/test_broken_import.py": "import no_such_module_evokernel\n",
}

EXPECTED = {
    "tests/test_mod.py::test_pass": TestOutcome.PASSED,
    "tests/test_mod.py::test_fail": TestOutcome.FAILED,
    "tests/test_mod.py::test_setup_error": TestOutcome.ERROR,
    "tests/test_mod.py::test_teardown_error": TestOutcome.ERROR,  # passed, then teardown error
    "tests/test_mod.py::test_skipped": TestOutcome.SKIPPED,
    "tests/test_mod.py::test_xfail": TestOutcome.SKIPPED,
    "tests/test_mod.py::test_param[1]": TestOutcome.PASSED,
    "tests/test_mod.py::test_param[2]": TestOutcome.FAILED,
    "tests/test_mod.py::TestGroup::test_in_class": TestOutcome.PASSED,
    "tests/test_mod.py::TestGroup::TestInner::test_nested": TestOutcome.PASSED,
    "tests/sub/test_deep.py::test_deep": TestOutcome.PASSED,
    "tests/test_broken_import.py": TestOutcome.ERROR,  # collection error
}


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(project)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | list[str]]:
    """Run pytest for real once per JUnit family; also collect pytest's own node ids."""
    project = tmp_path_factory.mktemp("junit_project")
    for rel, text in PROJECT.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    out: dict[str, bytes | list[str]] = {}
    for family in ("xunit1", "xunit2"):
        report = project / f"{family}.xml"
        done = _pytest(
            project,
            "--continue-on-collection-errors",
            f"--junitxml={report}",
            "-o",
            f"junit_family={family}",
        )
        assert done.returncode == 1, done.stdout + done.stderr
        out[family] = report.read_bytes()
    collected = _pytest(project, "--collect-only", "--continue-on-collection-errors")
    out["collected"] = [line for line in collected.stdout.splitlines() if "::" in line]
    return out


@pytest.mark.parametrize("family", ["xunit1", "xunit2"])
def test_real_report_gives_every_outcome_by_node_id(reports: dict, family: str) -> None:
    assert parse_junit(reports[family]) == EXPECTED


def test_node_ids_match_what_pytest_itself_prints(reports: dict) -> None:
    parsed = {nodeid for nodeid in parse_junit(reports["xunit1"]) if "::" in nodeid}
    assert parsed == set(reports["collected"])


def test_node_id_rebuilds_classes_with_and_without_file() -> None:
    assert node_id("tests.test_x.TestA", "test_b", "tests/test_x.py") == (
        "tests/test_x.py::TestA::test_b"
    )
    assert node_id("tests.test_x.TestA", "test_b") == "tests/test_x.py::TestA::test_b"
    assert node_id("test_top", "test_c[a.b-1]") == "test_top.py::test_c[a.b-1]"
    assert node_id("", "tests.test_broken") == "tests/test_broken.py"


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<testsuites>&b;</testsuites>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<testsuite><testcase classname="t" name="&e;"/></testsuite>',
        b"<html><body>not a report</body></html>",
        b"<testsuites><testcase",
        b"\xff\xfe garbage",
    ],
    ids=["entity-expansion", "external-entity", "wrong-root", "truncated", "garbage"],
)
def test_hostile_or_broken_reports_are_errors(data: bytes) -> None:
    with pytest.raises(JUnitParseError):
        parse_junit(data)


def test_oversize_report_is_an_error_before_parsing() -> None:
    with pytest.raises(JUnitParseError, match="cap"):
        parse_junit(b"<testsuites>" + b" " * 200 + b"</testsuites>", max_bytes=100)


def test_report_with_no_tests_is_empty() -> None:
    assert parse_junit(b'<testsuites><testsuite name="pytest" tests="0"/></testsuites>') == {}
