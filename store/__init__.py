"""store: the append-only, hash-chained JSONL evolution log (leaf package)."""

from __future__ import annotations

from store.canonical import canonical_json, content_hash, sha256_hex

__all__ = ["canonical_json", "content_hash", "sha256_hex"]
