"""Python exceptions: from raw tracebacks and from pytest's ``E`` and location lines.

Every exception found yields ``exception:<Type>``. Messages of well-known shapes become strong,
templated signals (``missing-module:yaml``, ``import-error:pkg.mod.name``,
``missing-attribute:module.attr``, ``undefined-name:x``, ``unbound-local:x``,
``missing-key:sku``); any other message becomes a weak ``exception-message`` template.
pytest's one-line summaries (``FAILED x - Err: msg...``) are not read here: pytest cuts them to
the terminal width, so what they show varies between runs.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from evokernel.domain.signals.base import Signal, SignalKind, SignalSource
from evokernel.domain.signals.normalize import message_template, strip_ansi

_EXC_SUFFIX = r"(?:Error|Exception|Exit|Interrupt|Warning|Failure|Failed|Timeout|Iteration)"
_EXC_NAMES = r"(?:Failed|Skipped|XFailed|Exit)"
_EXC_TYPE = rf"(?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*{_EXC_SUFFIX}|{_EXC_NAMES})"
# After a traceback, the first unindented line is the exception, whatever its class is called.
_RAW_EXC = re.compile(r"^(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s?(?P<msg>.*))?$")
_PYTEST_E = re.compile(rf"^E\s+(?P<type>{_EXC_TYPE})(?::\s?(?P<msg>.*))?$")
_PYTEST_ASSERT = re.compile(r"^E\s+assert\b")
_PYTEST_LOCATION = re.compile(rf"^\S+?:\d+: (?P<type>{_EXC_TYPE})$")
_TRACEBACK_START = "Traceback (most recent call last):"


class _Rule(NamedTuple):
    """A message shape of one exception type, and the signal it becomes."""

    exc_type: str
    pattern: re.Pattern[str]
    kind: SignalKind
    template: str


def _rule(exc_type: str, pattern: str, kind: SignalKind, template: str) -> _Rule:
    return _Rule(exc_type, re.compile(pattern), kind, template)


_NO_MODULE = r"No module named '?([\w.]+)'?"
_MESSAGE_RULES = (
    _rule("ModuleNotFoundError", _NO_MODULE, SignalKind.MISSING_MODULE, "{0}"),
    _rule("ImportError", _NO_MODULE, SignalKind.MISSING_MODULE, "{0}"),
    _rule(
        "ImportError",
        r"cannot import name '(\w+)' from (?:partially initialized module )?'([\w.]+)'",
        SignalKind.IMPORT_ERROR,
        "{1}.{0}",
    ),
    _rule("ImportError", r"cannot import name '(\w+)'", SignalKind.IMPORT_ERROR, "{0}"),
    _rule(
        "AttributeError",
        r"(?:partially initialized )?module '([\w.]+)' has no attribute '(\w+)'",
        SignalKind.MISSING_ATTRIBUTE,
        "{0}.{1}",
    ),
    _rule(
        "AttributeError",
        r"type object '([\w.]+)' has no attribute '(\w+)'",
        SignalKind.MISSING_ATTRIBUTE,
        "{0}.{1}",
    ),
    _rule(
        "AttributeError",
        r"'([\w.]+)' object has no attribute '(\w+)'",
        SignalKind.MISSING_ATTRIBUTE,
        "{0}.{1}",
    ),
    _rule("NameError", r"name '(\w+)' is not defined", SignalKind.UNDEFINED_NAME, "{0}"),
    _rule(
        "UnboundLocalError",
        r"(?:cannot access local variable|local variable) '(\w+)'",
        SignalKind.UNBOUND_LOCAL,
        "{0}",
    ),
    _rule("KeyError", r"""^(['"])([\w.\-]{1,64})\1$""", SignalKind.MISSING_KEY, "{1}"),
)


def exception_signals(exc_type: str, message: str | None, source: SignalSource) -> list[Signal]:
    """Signals for one exception: its type, plus a templated message signal."""
    signals = [Signal(kind=SignalKind.EXCEPTION, value=exc_type)]
    message = (message or "").strip()
    if not message:
        return signals
    short_type = exc_type.rsplit(".", 1)[-1]
    for rule in _MESSAGE_RULES:
        found = rule.pattern.search(message) if rule.exc_type == short_type else None
        if found:
            value = rule.template.format(*found.groups())
            signals.append(Signal(kind=rule.kind, value=value))
            return signals
    template = message_template(message, source.repo_root)
    if template:
        signals.append(Signal(kind=SignalKind.EXCEPTION_MESSAGE, value=f"{exc_type}: {template}"))
    return signals


class PythonTracebackExtractor:
    """Exceptions from Python tracebacks and from pytest's failure reports."""

    name = "python-traceback"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        in_traceback = False
        for raw in strip_ansi(text).splitlines():
            line = raw.rstrip()
            if line.strip() == _TRACEBACK_START:
                in_traceback = True
                continue
            if in_traceback:
                if not line or line[0].isspace():
                    continue
                in_traceback = False
                found = _RAW_EXC.match(line)
                if found:
                    signals += exception_signals(found["type"], found["msg"], source)
                continue
            if found := _PYTEST_E.match(line):
                signals += exception_signals(found["type"], found["msg"], source)
            elif _PYTEST_ASSERT.match(line):
                # pytest rewrites ``assert`` and prints the expression, not the type.
                signals.append(Signal(kind=SignalKind.EXCEPTION, value="AssertionError"))
            elif found := _PYTEST_LOCATION.match(line):
                signals.append(Signal(kind=SignalKind.EXCEPTION, value=found["type"]))
        return signals
