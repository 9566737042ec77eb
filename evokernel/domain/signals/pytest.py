"""pytest outcomes: ``test-failed:<nodeid>`` and ``test-error:<nodeid>``.

Two inputs: per-test outcomes parsed from JUnit XML (``{nodeid: "failed" | "error" | ...}``),
and pytest's own short summary lines (``FAILED tests/x.py::t - ...``, ``ERROR tests/x.py``).
A failure (an assertion or exception in the test) and an error (in setup, teardown or
collection) are different problems, so they are different kinds. Node ids are kept as pytest
prints them (they are relative to the rootdir); only absolute paths in them are normalized.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from evokernel.domain.signals.base import Signal, SignalKind, SignalSource
from evokernel.domain.signals.normalize import normalize_paths, strip_ansi

_SUMMARY = re.compile(r"^(?P<outcome>FAILED|ERROR) (?P<nodeid>[^\s(].*?)(?: - .*)?$")

_FAILED_OUTCOMES = frozenset({"failed", "failure", "fail"})
_ERROR_OUTCOMES = frozenset({"error", "errored"})


def _node_signal(kind: SignalKind, nodeid: str, repo_root: str | None) -> Signal | None:
    nodeid = normalize_paths(nodeid.strip(), repo_root)
    return Signal(kind=kind, value=nodeid) if nodeid else None


def outcome_signals(test_outcomes: Mapping[str, str], repo_root: str | None = None) -> list[Signal]:
    """Signals for failed and errored tests in a ``{nodeid: outcome}`` mapping."""
    signals: list[Signal] = []
    for nodeid, outcome in test_outcomes.items():
        word = str(outcome).strip().lower()
        if word in _FAILED_OUTCOMES:
            kind = SignalKind.TEST_FAILED
        elif word in _ERROR_OUTCOMES:
            kind = SignalKind.TEST_ERROR
        else:
            continue
        if signal := _node_signal(kind, nodeid, repo_root):
            signals.append(signal)
    return signals


class PytestSummaryExtractor:
    """``FAILED``/``ERROR`` lines of pytest's short test summary."""

    name = "pytest-summary"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        for line in strip_ansi(text).splitlines():
            found = _SUMMARY.match(line.rstrip())
            if not found:
                continue
            kind = SignalKind.TEST_FAILED if found["outcome"] == "FAILED" else SignalKind.TEST_ERROR
            if signal := _node_signal(kind, found["nodeid"], source.repo_root):
                signals.append(signal)
        return signals
