"""Old home of ``Model``; kept importable for code written against it. Use ``evokernel.models``."""

from __future__ import annotations

from evokernel.models.base import Model

__all__ = ["Model"]
