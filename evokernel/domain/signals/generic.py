"""Generic ``error:`` lines (``error: could not compile``, ``ERROR: No matching distribution``).

Weak: the wording of free-form errors is too loose to key a gene, but it is useful context.
Lines that only summarise other errors (``aborting due to 2 previous errors``) are skipped.
"""

from __future__ import annotations

import re

from evokernel.domain.signals.base import Signal, SignalKind, SignalSource
from evokernel.domain.signals.normalize import message_template

_ERROR_LINE = re.compile(r"^\s*(?:[\w.\-]+: )?(?:fatal )?error: (?P<msg>\S.*)$", re.IGNORECASE)
_SUMMARY_NOISE = re.compile(
    r"^(?:aborting due to|could not compile|ld returned|\d+ errors? generated)", re.IGNORECASE
)


class GenericErrorExtractor:
    """Any line that starts with ``error:`` (optionally after ``program: ``)."""

    name = "generic"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        signals: list[Signal] = []
        for line in text.splitlines():
            found = _ERROR_LINE.match(line.rstrip())
            if not found or _SUMMARY_NOISE.match(found["msg"]):
                continue
            if template := message_template(found["msg"], source.repo_root):
                signals.append(Signal(kind=SignalKind.ERROR, value=template))
        return signals
