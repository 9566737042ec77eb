"""Parsing pytest's JUnit XML into per-test outcomes keyed by pytest node id.

The report is written inside the sandbox by code the patch controls, so it is hostile input:
it is size-capped, parsed with defusedxml (no DTDs, no entities, no external references), and
only the attributes we need are read. Node ids are rebuilt as pytest prints them
(``tests/test_cart.py::TestCart::test_total[1-2]``) from ``file`` (xunit1, which the Validator
asks for) and ``classname``.
"""

from __future__ import annotations

from enum import StrEnum
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from sandbox.errors import JUnitParseError

MAX_REPORT_BYTES = 20_000_000
"""Largest report we parse; a bigger one is an error, not a slow parse."""


class TestOutcome(StrEnum):
    """What happened to one test."""

    __test__ = False  # not a pytest test class, despite the name

    PASSED = "passed"
    """Ran and passed (a non-strict xpass counts as passed, as pytest says)."""
    FAILED = "failed"
    """An assertion or exception in the test body."""
    ERROR = "error"
    """An error outside the body: setup, teardown, or collection of its module."""
    SKIPPED = "skipped"
    """Skipped or xfailed: did not count as having run."""


_SEVERITY = {
    TestOutcome.SKIPPED: 0,
    TestOutcome.PASSED: 1,
    TestOutcome.FAILED: 2,
    TestOutcome.ERROR: 3,
}


def worst(first: TestOutcome, second: TestOutcome) -> TestOutcome:
    """The worse of two outcomes for one test (a teardown error after a pass is an error)."""
    return first if _SEVERITY[first] >= _SEVERITY[second] else second


def parse_junit(data: bytes, *, max_bytes: int = MAX_REPORT_BYTES) -> dict[str, TestOutcome]:
    """Per-test outcomes from a pytest JUnit XML report.

    Args:
        data: the report's bytes.
        max_bytes: refuse larger reports.

    Returns:
        Node id -> outcome. A test reported twice (a pass, then a teardown error) keeps the
        worse outcome.

    Raises:
        JUnitParseError: the report is too big, not well-formed, uses DTDs or entities, or is
            not a JUnit report.
    """
    if len(data) > max_bytes:
        raise JUnitParseError(f"JUnit report is {len(data)} bytes, above the {max_bytes} cap")
    try:
        root: Element = safe_etree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise JUnitParseError(f"JUnit report refused: {type(exc).__name__}") from exc
    except safe_etree.ParseError as exc:
        raise JUnitParseError(f"JUnit report is not well-formed XML: {exc}") from exc
    if root.tag not in ("testsuites", "testsuite"):
        raise JUnitParseError(f"not a JUnit report (root element <{root.tag}>)")
    outcomes: dict[str, TestOutcome] = {}
    for case in root.iter("testcase"):
        nodeid = node_id(case.get("classname", ""), case.get("name", ""), case.get("file"))
        outcome = _outcome(case)
        outcomes[nodeid] = worst(outcomes[nodeid], outcome) if nodeid in outcomes else outcome
    return outcomes


def _outcome(case: Element) -> TestOutcome:
    tags = {child.tag for child in case}
    if "error" in tags:
        return TestOutcome.ERROR
    if "failure" in tags:
        return TestOutcome.FAILED
    if "skipped" in tags:
        return TestOutcome.SKIPPED
    return TestOutcome.PASSED


def node_id(classname: str, name: str, file: str | None = None) -> str:
    """Rebuild a pytest node id from a JUnit test case's attributes.

    ``classname`` is the dotted module path plus classes (``tests.test_x.TestY``). With
    ``file`` (xunit1) the module part is known exactly; without it, components that start
    with an upper-case letter are taken as classes. A collection error has an empty
    ``classname`` and the dotted module as ``name``; its node id is the module's path.
    """
    if not classname:
        if "/" in name or name.endswith(".py"):
            return name
        return name.replace(".", "/") + ".py"
    parts = classname.split(".")
    if file:
        module = file.replace("\\", "/")
        dotted = module[: -len(".py")].replace("/", ".") if module.endswith(".py") else module
        module_parts = dotted.split(".")
        if parts[: len(module_parts)] == module_parts:
            classes = parts[len(module_parts) :]
            return "::".join([module, *classes, name])
    split = len(parts)
    while split > 1 and parts[split - 1][:1].isupper():
        split -= 1
    module = "/".join(parts[:split]) + ".py"
    return "::".join([module, *parts[split:], name])
