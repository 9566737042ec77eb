"""Compiler diagnostics: rustc (``rustc:E0425``), tsc (``tsc:TS2304``), gcc/clang (``gcc:<msg>``).

rustc and tsc give stable error codes, which are the signal. gcc has none, so its signal is the
normalized message template: quotes made ASCII (gcc's quotes depend on the locale), paths,
line and column numbers and counts removed, identifiers kept.
"""

from __future__ import annotations

import re

from evokernel.domain.signals.base import Signal, SignalKind, SignalSource
from evokernel.domain.signals.normalize import message_template

_RUSTC = re.compile(r"^error\[(?P<code>E\d{4})\]: (?P<msg>.*)$")
_TSC = re.compile(r"(?:^|\s)error (?P<code>TS\d{3,5}): (?P<msg>.*)$")
_C_SOURCE = r"[^\s:]+\.(?:c|h|cc|cp|cpp|cxx|c\+\+|hpp|hh|hxx|C|H|m|mm|cu|i|ii|s|S)"
_GCC = re.compile(
    rf"^{_C_SOURCE}:\d+(?::\d+)?: (?:(?P<fatal>fatal )?error|(?P<warning>warning)): (?P<msg>.*)$"
)
_GCC_WARNING_FLAG = re.compile(r"\[(?P<flag>-W[\w=+-]+)\]\s*$")
_UNDEFINED_REFERENCE = re.compile(r"undefined reference to [`'‘\"](?P<name>[^'’`\"]+)['’`\"]")


class RustcExtractor:
    """rustc's coded errors (``error[E0425]: ...``); uncoded ones are left to the generic one."""

    name = "rustc"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        for line in text.splitlines():
            if found := _RUSTC.match(line.rstrip()):
                signals.append(Signal(kind=SignalKind.RUSTC, value=found["code"]))
                template = message_template(found["msg"], source.repo_root)
                if template:
                    signals.append(Signal(kind=SignalKind.RUSTC_MESSAGE, value=template))
        return signals


class TscExtractor:
    """TypeScript compiler errors, plain (``a.ts(1,7): error TS2322: ...``) or pretty."""

    name = "tsc"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        return [
            Signal(kind=SignalKind.TSC, value=found["code"])
            for line in text.splitlines()
            if (found := _TSC.search(line.rstrip()))
        ]


class GccExtractor:
    """gcc/clang errors (message templates), warnings (their ``-W`` flag) and link errors."""

    name = "gcc"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        for raw in text.splitlines():
            line = raw.rstrip()
            if found := _GCC.match(line):
                if found["warning"]:
                    if flag := _GCC_WARNING_FLAG.search(line):
                        signals.append(Signal(kind=SignalKind.GCC_WARNING, value=flag["flag"]))
                    continue
                if template := message_template(found["msg"], source.repo_root):
                    signals.append(Signal(kind=SignalKind.GCC, value=template))
            elif found := _UNDEFINED_REFERENCE.search(line):
                value = f"undefined reference to '{found['name']}'"
                signals.append(Signal(kind=SignalKind.GCC, value=value))
        return signals
