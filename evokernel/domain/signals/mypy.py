"""mypy errors: ``mypy:<error-code>`` (strong) and the message template (weak)."""

from __future__ import annotations

import re

from evokernel.domain.signals.base import Signal, SignalKind, SignalSource
from evokernel.domain.signals.normalize import message_template

_LOCATION = r"^\S+?\.pyi?:\d+(?::\d+)?(?::\d+:\d+)?"
_ERROR = re.compile(rf"{_LOCATION}: error: (?P<msg>.*?)(?:\s+\[(?P<code>[a-z][a-z0-9-]*)\])?$")


class MypyExtractor:
    """Error lines of mypy's default output (notes are context, not failures)."""

    name = "mypy"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        for line in text.splitlines():
            found = _ERROR.match(line.rstrip())
            if not found:
                continue
            if found["code"]:
                signals.append(Signal(kind=SignalKind.MYPY, value=found["code"]))
            if template := message_template(found["msg"], source.repo_root):
                signals.append(Signal(kind=SignalKind.MYPY_MESSAGE, value=template))
        return signals
