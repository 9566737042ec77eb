"""Patches are bytes: how a diff held as ``str`` keeps CRLF, a missing final newline and
non-UTF-8 text exactly, in memory and in JSON.

In memory a patch is a ``str`` whose bytes that are not UTF-8 are surrogate escapes (what
``bytes.decode("utf-8", "surrogateescape")`` gives), so ``patch_bytes`` returns the exact
bytes git wrote. JSON cannot hold surrogates, so a model with patch fields (``PatchFieldsModel``)
writes such a field twice: ``<field>`` as readable text (undecodable bytes replaced) and
``<field>_b64`` with the exact bytes; reading prefers ``<field>_b64``. A patch that is valid
UTF-8, the usual case, is written once, as it always was, so older stores read unchanged.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

from pydantic import (
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from evokernel.domain.models.base import Model

B64_SUFFIX = "_b64"
"""Suffix of the field that carries a patch's exact bytes when they are not UTF-8."""


def patch_bytes(text: str) -> bytes:
    """The exact bytes of a patch held as text."""
    return text.encode("utf-8", "surrogateescape")


def patch_text(data: bytes) -> str:
    """A patch's bytes as text, losslessly (non-UTF-8 bytes become surrogate escapes)."""
    return data.decode("utf-8", "surrogateescape")


def is_utf8(text: str) -> bool:
    """True when ``text`` holds no surrogate escapes (it is plain UTF-8 text)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class PatchFieldsModel(Model):
    """A model whose ``patch_fields`` are byte-faithful diffs (see the module docstring)."""

    patch_fields: ClassVar[tuple[str, ...]] = ("diff",)
    """Names of the fields holding a patch."""

    @model_validator(mode="before")
    @classmethod
    def _read_exact_bytes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if not any(name + B64_SUFFIX in data for name in cls.patch_fields):
            return data
        data = dict(data)
        for name in cls.patch_fields:
            encoded = data.pop(name + B64_SUFFIX, None)
            if isinstance(encoded, str):
                data[name] = patch_text(base64.b64decode(encoded, validate=True))
        return data

    @model_serializer(mode="wrap")
    def _write_exact_bytes(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        out = handler(self)
        if not isinstance(out, dict):
            return out
        for name in self.patch_fields:
            value = getattr(self, name, None)
            if name in out and isinstance(value, str) and not is_utf8(value):
                raw = patch_bytes(value)
                out[name] = raw.decode("utf-8", "replace")
                out[name + B64_SUFFIX] = base64.b64encode(raw).decode("ascii")
        return out
