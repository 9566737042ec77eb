"""Running the extractors: logs in, sorted typed signals and the failure signature out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from evokernel.domain.ids import content_id
from evokernel.domain.signals.base import (
    CODE_KINDS,
    TEST_ID_KINDS,
    Extractor,
    Signal,
    SignalSource,
    SignalStrength,
)
from evokernel.domain.signals.compilers import GccExtractor, RustcExtractor, TscExtractor
from evokernel.domain.signals.frames import CodeUnderTestExtractor
from evokernel.domain.signals.generic import GenericErrorExtractor
from evokernel.domain.signals.lint import LintExtractor
from evokernel.domain.signals.mypy import MypyExtractor
from evokernel.domain.signals.normalize import strip_ansi, strip_diff_noise
from evokernel.domain.signals.pytest import PytestSummaryExtractor, outcome_signals
from evokernel.domain.signals.python_traceback import PythonTracebackExtractor


def default_extractors() -> list[Extractor]:
    """The bundled extractors, in a fixed order."""
    return [
        PythonTracebackExtractor(),
        CodeUnderTestExtractor(),
        PytestSummaryExtractor(),
        LintExtractor(),
        MypyExtractor(),
        RustcExtractor(),
        TscExtractor(),
        GccExtractor(),
        GenericErrorExtractor(),
    ]


def extract_signal_values(
    text_by_source: Mapping[str, str],
    test_outcomes: Mapping[str, str] | None = None,
    extractors: Sequence[Extractor] | None = None,
    repo_root: str | None = None,
) -> list[Signal]:
    """All signals found, deduplicated and sorted by their ``kind:value`` form.

    ``text_by_source`` maps a source name (stage name, ``stdout``...) to its log text;
    ``test_outcomes`` maps pytest node ids to outcomes (``failed``, ``error``, ``passed``...);
    ``repo_root`` is the repository's absolute path in the run that produced the logs.
    Colour codes and diff blocks are removed before any extractor sees a text.
    """
    chosen = default_extractors() if extractors is None else list(extractors)
    found: dict[str, Signal] = {}
    for name in sorted(text_by_source):
        text = strip_diff_noise(strip_ansi(text_by_source[name]))
        source = SignalSource(name=name, repo_root=repo_root)
        for extractor in chosen:
            for signal in extractor.extract(text, source):
                found.setdefault(str(signal), signal)
    for signal in outcome_signals(test_outcomes or {}, repo_root):
        found.setdefault(str(signal), signal)
    return [found[key] for key in sorted(found)]


def extract_signals(
    text_by_source: Mapping[str, str],
    test_outcomes: Mapping[str, str] | None = None,
    extractors: Sequence[Extractor] | None = None,
    repo_root: str | None = None,
) -> list[str]:
    """Like ``extract_signal_values``, as sorted ``kind:value`` strings."""
    return [
        str(signal)
        for signal in extract_signal_values(text_by_source, test_outcomes, extractors, repo_root)
    ]


def failure_signature(signals: Iterable[Signal | str]) -> list[str]:
    """The sorted set of strong signals: the key of a gene.

    The key speaks of the code under test (exception types, ``code-frame``, ``code-call``,
    ``assertion`` ...). Failing test ids are weak evidence; they join the key only when no
    signal names the code under test (no ``code-frame`` or ``code-call``), so a failure seen
    only through its tests still has a problem class of its own.
    Strings are read as ``kind:value``; ones that are not signals raise ``ValueError``.
    """
    strong: set[str] = set()
    test_ids: set[str] = set()
    names_code = False
    for item in signals:
        signal = item if isinstance(item, Signal) else Signal.parse(item)
        if signal.kind in TEST_ID_KINDS:
            test_ids.add(str(signal))
        elif signal.strength is SignalStrength.STRONG:
            strong.add(str(signal))
            names_code = names_code or signal.kind in CODE_KINDS
    return sorted(strong if names_code else strong | test_ids)


def gene_id_for(signature: Iterable[str]) -> str:
    """``gene_<hash>`` of a failure signature (order and duplicates do not matter).

    Raises ``ValueError`` for an empty signature: a failure with no strong signal has no
    problem class, and pooling every such capture under one gene would make them all match.
    """
    canonical = sorted(set(signature))
    if not canonical:
        raise ValueError("an empty failure signature has no gene")
    return content_id("gene", canonical)
