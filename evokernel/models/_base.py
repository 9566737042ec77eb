"""Shared model configuration: frozen, strict about unknown keys, documented fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base for domain value objects: immutable, ``extra="forbid"``, field docstrings kept."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
