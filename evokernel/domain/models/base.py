"""The base of every domain value object: frozen, strict about unknown keys, documented fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base for domain value objects: immutable, ``extra="forbid"``, field docstrings kept.

    Events, configuration sections, results and reports all derive from it, so a value made
    anywhere in ``evokernel`` refuses unknown keys and carries its field docstrings into the
    JSON Schema ``evokernel schema`` prints.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
