"""Signals: deterministic, normalized facts about a failure, and the failure signature."""

from __future__ import annotations

from evokernel.domain.signals.base import (
    Extractor,
    Signal,
    SignalKind,
    SignalSource,
    SignalStrength,
    strength_of,
)
from evokernel.domain.signals.frames import CodeUnderTestExtractor, frame_signals, is_test_file
from evokernel.domain.signals.normalize import (
    message_template,
    normalize_paths,
    normalize_text,
    strip_ansi,
    strip_diff_noise,
)
from evokernel.domain.signals.pytest import outcome_signals
from evokernel.domain.signals.registry import (
    default_extractors,
    extract_signal_values,
    extract_signals,
    failure_signature,
    gene_id_for,
)

__all__ = [
    "CodeUnderTestExtractor",
    "Extractor",
    "Signal",
    "SignalKind",
    "SignalSource",
    "SignalStrength",
    "default_extractors",
    "extract_signal_values",
    "extract_signals",
    "failure_signature",
    "frame_signals",
    "gene_id_for",
    "is_test_file",
    "message_template",
    "normalize_paths",
    "normalize_text",
    "outcome_signals",
    "strength_of",
    "strip_ansi",
    "strip_diff_noise",
]
