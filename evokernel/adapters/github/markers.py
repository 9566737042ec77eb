"""Hidden markers: HTML comments in issue, pull request and comment bodies.

A marker such as ``<!-- evokernel:signature=3f2a... -->`` is invisible on GitHub but findable by
search and by reading a body, so every step can look for its own earlier output before creating
anything: the loop is idempotent against GitHub itself.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field

from evokernel.domain.models import Model

_VALUE = r"[A-Za-z0-9._:/+@-]+"
_PATTERN = re.compile(r"<!--\s*evokernel:([a-z][a-z0-9-]*)=(" + _VALUE + r")\s*-->")


class MarkerKey(StrEnum):
    """What a marker identifies."""

    SIGNATURE = "signature"
    """The failure signature an issue was opened for (``detect``)."""
    ISSUE = "issue"
    """The issue a pull request or comment belongs to."""
    PULL = "pull"
    """The pull request a comment announces."""
    RUN = "run"
    """The run that produced a pull request."""
    STEP = "step"
    """Which loop step wrote a comment (``pr-opened``, ``needs-human``, ...)."""


class Marker(Model):
    """One hidden marker: a key from ``MarkerKey`` and a value without spaces."""

    key: MarkerKey
    """What the marker identifies."""
    value: str = Field(pattern=f"^{_VALUE}$", max_length=200)
    """The identifier; letters, digits and ``._:/+@-`` only, so it survives search and HTML."""

    def render(self) -> str:
        """The HTML comment to put in a body: ``<!-- evokernel:key=value -->``."""
        return f"<!-- evokernel:{self.key.value}={self.value} -->"

    @property
    def search_text(self) -> str:
        """The text to look for with issue search (quoted by the caller)."""
        return f"evokernel:{self.key.value}={self.value}"

    def found_in(self, body: str | None) -> bool:
        """True when ``body`` carries exactly this marker."""
        return self in parse_markers(body)


_KEYS = frozenset(key.value for key in MarkerKey)


def parse_markers(body: str | None) -> list[Marker]:
    """Every well-formed marker in ``body`` whose key we know, in order of appearance."""
    found: list[Marker] = []
    for key, value in _PATTERN.findall(body or ""):
        if key in _KEYS:
            found.append(Marker(key=MarkerKey(key), value=value))
    return found
