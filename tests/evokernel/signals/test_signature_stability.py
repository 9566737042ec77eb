"""The same failure gives the same signature wherever and whenever it runs (real tools)."""

from __future__ import annotations

import pytest

from evokernel.domain.signals import extract_signals, failure_signature, gene_id_for
from tests.evokernel.signals.tool_runs import PROJECTS, SAMPLES, Run, ToolRuns, rustc_path


def _signals(run: Run) -> list[str]:
    return extract_signals({"log": run.output}, run.outcomes, repo_root=str(run.root))


def _signature(run: Run) -> list[str]:
    return failure_signature(_signals(run))


EXPECTED_PYTEST = {
    # The assertion names the function it checked: the test id is weak evidence, not the key.
    "assertion": {"assertion:assert <n> == <n>", "code-call:total", "exception:AssertionError"},
    "missing_module": {
        "exception:ModuleNotFoundError",
        "missing-module:frobnicate_h5",
        "test-error:tests/test_loader.py",
    },
    # The failing ``assert`` names the code it calls: test ids stay out of the key.
    "key_error": {
        "code-call:price",
        "exception:KeyError",
        "missing-key:pear",
        "exception:ValueError",
    },
    "attribute": {
        "code-call:helpr",
        "exception:AttributeError",
        "missing-attribute:app.util.helpr",
    },
}


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_pytest_failure_gives_same_signature_in_two_places(
    tool_runs: ToolRuns, project: str
) -> None:
    first, second = tool_runs.pair("pytest", project)
    assert first.root != second.root
    assert _signature(first) == _signature(second)
    assert set(_signature(first)) == EXPECTED_PYTEST[project]
    assert gene_id_for(_signature(first)) == gene_id_for(_signature(second))


def test_all_signals_not_only_strong_ones_are_run_independent(tool_runs: ToolRuns) -> None:
    """Weak message templates too: the object address and id() differ between the runs."""
    first, second = tool_runs.pair("pytest", "key_error")
    assert "0x" in first.output and "0x" in second.output
    assert _signals(first) == _signals(second)
    assert "exception-message:ValueError: bad value <object object at <addr>> at <n>" in (
        _signals(first)
    )


def test_different_failures_give_different_signatures(tool_runs: ToolRuns) -> None:
    signatures = {
        project: tuple(_signature(tool_runs.pair("pytest", project)[0])) for project in PROJECTS
    }
    assert len(set(signatures.values())) == len(PROJECTS)
    genes = {gene_id_for(signature) for signature in signatures.values()}
    assert len(genes) == len(PROJECTS)


def test_text_summary_alone_names_the_same_tests_as_junit(tool_runs: ToolRuns) -> None:
    """Without JUnit outcomes the short summary lines still give the test signals."""
    for project in PROJECTS:
        run = tool_runs.pair("pytest", project)[0]
        from_text = {s for s in extract_signals({"log": run.output}) if s.startswith("test-")}
        from_junit = {s for s in extract_signals({}, run.outcomes) if s.startswith("test-")}
        assert from_text == from_junit != set()


def test_python_traceback_gives_same_signature_in_two_places(tool_runs: ToolRuns) -> None:
    first, second = tool_runs.pair("python", "script")
    assert str(first.root) in first.output  # the traceback really carries absolute paths
    assert (
        _signature(first)
        == _signature(second)
        == [
            "exception:ModuleNotFoundError",
            "missing-module:yaml_frobnicate_h5",
        ]
    )


def test_ruff_full_and_concise_formats_give_same_signature(tool_runs: ToolRuns) -> None:
    first, second = tool_runs.pair("ruff", "lint")
    assert "-->" in first.output and "-->" not in second.output  # two output formats
    assert _signature(first) == _signature(second)
    assert {"lint:F401", "lint:I001"} <= set(_signature(first))


def test_mypy_error_gives_same_signature_in_two_places(tool_runs: ToolRuns) -> None:
    first, second = tool_runs.pair("mypy", "typed")
    assert _signals(first) == _signals(second)
    assert _signature(first) == ["mypy:return-value"]


def test_gcc_in_two_locales_gives_same_signature(tool_runs: ToolRuns) -> None:
    """gcc quotes identifiers with ASCII quotes in the C locale and curly ones in UTF-8."""
    first, second = tool_runs.pair("gcc", "c")
    assert "'missing_var'" in first.output and "‘missing_var’" in second.output
    assert _signature(first) == _signature(second)
    assert "gcc:'missing_var' undeclared (first use in this function)" in _signature(first)


def test_rustc_gives_same_signature_in_two_places(tool_runs: ToolRuns) -> None:
    """Real rustc when installed; otherwise the pair recorded from it (samples/README.md)."""
    if rustc_path() is not None:
        first, second = (run.output for run in tool_runs.pair("rustc", "lib"))
    else:
        first = (SAMPLES / "rustc-1.95.0-relative.txt").read_text()
        second = (SAMPLES / "rustc-1.95.0-absolute.txt").read_text()
    signatures = [failure_signature(extract_signals({"rustc": text})) for text in (first, second)]
    assert signatures[0] == signatures[1] == ["rustc:E0308", "rustc:E0425"]


def test_tsc_plain_and_pretty_output_give_same_signature() -> None:
    """Recorded from real tsc 5.9.3 in two directories; the pretty one has colour codes."""
    plain = (SAMPLES / "tsc-5.9.3-plain.txt").read_text()
    pretty = (SAMPLES / "tsc-5.9.3-pretty-ansi.txt").read_text()
    assert "\x1b[" in pretty
    signatures = [failure_signature(extract_signals({"tsc": text})) for text in (plain, pretty)]
    assert signatures[0] == signatures[1] == ["tsc:TS2304", "tsc:TS2322"]
