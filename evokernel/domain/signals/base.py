"""Signals: normalized, typed facts about a failure, and the extractor protocol.

A signal prints as ``kind:value`` (``exception:KeyError``, ``lint:F401``). Its strength follows
from its kind, so a signal read back from a string (a stored gene, a task's declared signals)
has the same strength as when it was extracted: kinds ending in ``-message`` or ``-warning``,
the generic ``error`` kind and failing test ids (``test-failed``, ``test-error``) are weak;
every other kind is strong. Strong signals make a failure signature; failing test ids join it
only when nothing in the failure names the code under test (see ``failure_signature``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import Field, field_validator

from evokernel.domain.models import Model

WEAK_KIND_SUFFIXES = ("-message", "-warning")
"""Kinds ending in one of these are weak: context for an agent, never part of a signature."""
TEST_ID_KINDS = frozenset({"test-failed", "test-error"})
"""Failing test ids: weak evidence (releases rename and move tests while the bug stays)."""
WEAK_KINDS = frozenset({"error"}) | TEST_ID_KINDS
"""Kinds that are weak by name (the generic ``error:`` line, failing test ids)."""
CODE_KINDS = frozenset({"code-frame", "code-call"})
"""Kinds that name the code under test; when a failure has one, test ids stay out of its key."""


class SignalStrength(StrEnum):
    """Whether a signal identifies the failure (strong) or only describes it (weak)."""

    STRONG = "strong"
    """Part of the failure signature; keys genes."""
    WEAK = "weak"
    """Context only (free-form message templates, warnings)."""


class SignalKind(StrEnum):
    """The kinds the bundled extractors produce (pluggable extractors may add their own)."""

    EXCEPTION = "exception"
    MISSING_MODULE = "missing-module"
    IMPORT_ERROR = "import-error"
    MISSING_ATTRIBUTE = "missing-attribute"
    UNDEFINED_NAME = "undefined-name"
    UNBOUND_LOCAL = "unbound-local"
    MISSING_KEY = "missing-key"
    EXCEPTION_MESSAGE = "exception-message"
    CODE_FRAME = "code-frame"
    CODE_CALL = "code-call"
    ASSERTION = "assertion"
    TEST_FAILED = "test-failed"
    TEST_ERROR = "test-error"
    LINT = "lint"
    MYPY = "mypy"
    MYPY_MESSAGE = "mypy-message"
    RUSTC = "rustc"
    RUSTC_MESSAGE = "rustc-message"
    TSC = "tsc"
    GCC = "gcc"
    GCC_WARNING = "gcc-warning"
    ERROR = "error"


def strength_of(kind: str) -> SignalStrength:
    """Strength of a signal kind (see the module docstring)."""
    if kind in WEAK_KINDS or kind.endswith(WEAK_KIND_SUFFIXES):
        return SignalStrength.WEAK
    return SignalStrength.STRONG


class Signal(Model):
    """One normalized fact about a failure; ``str(signal)`` is ``kind:value``."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """Signal kind, lower-case, e.g. ``exception``, ``test-failed``, ``lint``."""
    value: str = Field(min_length=1)
    """Normalized value (single line), e.g. ``ModuleNotFoundError``, ``F401``."""

    @field_validator("value")
    @classmethod
    def _single_line(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("signal value is blank")
        return value

    @property
    def strength(self) -> SignalStrength:
        """Strong or weak, from the kind."""
        return strength_of(self.kind)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Signal:
        """Read a ``kind:value`` string back (raises ``ValueError`` when it is not one)."""
        kind, sep, value = text.partition(":")
        if not sep:
            raise ValueError(f"not a kind:value signal: {text!r}")
        return cls(kind=kind.strip(), value=value)


class SignalSource(Model):
    """Where a text came from, and what an extractor needs to normalize it."""

    name: str = Field(min_length=1)
    """Source name, e.g. a stage name (``pytest``, ``lint``) or ``stderr``."""
    repo_root: str | None = None
    """The repository's absolute path in that run; stripped from paths in messages."""


@runtime_checkable
class Extractor(Protocol):
    """Turns one log text into signals. Must be deterministic and free of I/O."""

    name: str
    """Short extractor name, for diagnostics."""

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        """Signals found in ``text``; values already normalized."""
        ...
