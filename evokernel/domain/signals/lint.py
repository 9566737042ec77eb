"""Lint codes: ``lint:F401`` from ruff (concise and full formats), flake8 and pylint.

Only the rule code is kept: the file, position and message vary with the code base, the rule
is the problem class.
"""

from __future__ import annotations

import re

from evokernel.domain.signals.base import Signal, SignalKind, SignalSource

_CODE = r"(?P<code>[A-Z]{1,4}\d{2,4})"
# ruff --output-format concise, flake8, pylint: ``path:line:col: CODE message``.
_LOCATED = re.compile(rf"^\S+?:\d+:\d+: {_CODE}:?(?: |$)")
# ruff's default (full) format: ``CODE [*] message`` then `` --> path:line:col``.
_FULL_HEAD = re.compile(rf"^{_CODE}(?: \[\*\])? \S")
_FULL_ARROW = re.compile(r"^\s*--> \S+?:\d+:\d+")


class LintExtractor:
    """Rule codes reported by Python linters."""

    name = "lint"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        lines = text.splitlines()
        for index, line in enumerate(lines):
            found = _LOCATED.match(line)
            if found is None:
                head = _FULL_HEAD.match(line)
                following = lines[index + 1] if index + 1 < len(lines) else ""
                found = head if head and _FULL_ARROW.match(following) else None
            if found:
                signals.append(Signal(kind=SignalKind.LINT, value=found["code"]))
        return signals
