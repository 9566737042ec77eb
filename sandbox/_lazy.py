"""Names a package exports but imports on first use (PEP 562), so importing it stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def load_export(namespace: dict[str, Any], exports: Mapping[str, str], name: str) -> Any:
    """The package attribute ``name``, imported from the module ``exports`` names for it.

    Called from a package's ``__getattr__``; the value is stored in ``namespace`` (the
    package's globals), so later lookups are plain attribute reads.

    Raises:
        AttributeError: ``name`` is not one of ``exports`` (as for any missing attribute).
    """
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value
