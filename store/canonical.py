"""Canonical JSON and hashing: the one way bytes for hashing are produced.

Canonical JSON is orjson with sorted keys, no extra whitespace, UTF-8. Every content hash and
every content-addressed id in the project goes through these two functions, so a record hashes
the same on every machine and in every process.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` to canonical JSON bytes (sorted keys, compact, UTF-8)."""
    return orjson.dumps(value, option=_OPTIONS)


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def content_hash(value: Any) -> str:
    """Hex SHA-256 of the canonical JSON of ``value``."""
    return sha256_hex(canonical_json(value))
