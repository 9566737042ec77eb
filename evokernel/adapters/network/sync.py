"""Pulling from a peer: fetch what changed since the last sync, import it, move the cursor.

The cursor of each peer is the peer's store position its last bundle covered (the signed
``manifest.cursor``), kept in ``cursors.json`` in the node directory. A sync asks for
``after=<cursor>``; the bundle is verified and imported like any other (a bundle with no
assets is only verified); then the cursor moves. A crash between import and cursor update
only means the next sync fetches those capsules again, and the import skips known ones.
If the peer answers with another node id than last time, its cursor starts again from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
from filelock import FileLock
from pydantic import Field, ValidationError

from evokernel.adapters.network.client import PeerClient
from evokernel.adapters.network.errors import NetworkError
from evokernel.adapters.network.importer import ImportReport, import_verified
from evokernel.adapters.network.nodefiles import make_node_dir, replace_json
from evokernel.adapters.network.trust import TrustStore
from evokernel.adapters.network.verify import verify_bundle
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.models import Model

CURSORS_NAME = "cursors.json"
"""File name of the sync cursors inside a node directory."""


class PeerCursor(Model):
    """Where the last sync from one peer stopped."""

    peer: str
    """The peer's base URL."""
    node_id: str
    """The node that answered (the cursor is in its store's positions)."""
    seq: int = Field(ge=0)
    """The peer's store position the last bundle covered."""
    synced_at: datetime
    """When."""


class _CursorsFile(Model):
    cursors: dict[str, PeerCursor] = Field(default_factory=dict)
    """Cursors by peer URL."""


class CursorStore:
    """The sync cursors of one node, kept in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path) + ".lock", timeout=30)

    def get(self, peer: str) -> PeerCursor | None:
        """The cursor of ``peer``, if it was ever synced."""
        return self._read().cursors.get(peer)

    def all(self) -> list[PeerCursor]:
        """Every cursor, by peer."""
        return sorted(self._read().cursors.values(), key=lambda c: c.peer)

    def set(self, cursor: PeerCursor) -> None:
        """Save ``cursor`` (replaces that peer's)."""
        make_node_dir(self.path.parent)
        with self._lock:
            current = self._read()
            updated = _CursorsFile(cursors={**current.cursors, cursor.peer: cursor})
            replace_json(self.path, updated, "sync cursors")

    def _read(self) -> _CursorsFile:
        try:
            return _CursorsFile.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return _CursorsFile()
        except (OSError, ValidationError) as exc:
            raise NetworkError(f"{self.path}: unreadable sync cursors: {exc}") from exc


class SyncReport(Model):
    """What one sync from one peer did."""

    peer: str
    """The peer's base URL."""
    node_id: str
    """The peer's node id."""
    cursor_before: int
    """The cursor sent (``after``)."""
    cursor_after: int
    """The cursor saved."""
    capsules_fetched: int
    """Capsules in the bundle received."""
    imported: ImportReport | None = None
    """The import, when the bundle held anything."""


def sync_from_peer(
    repository: EvolutionRepository,
    trust: TrustStore,
    cursors: CursorStore,
    peer: str,
    token: str,
    *,
    signals: Sequence[str] = (),
    tofu: bool = False,
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = 30.0,
) -> SyncReport:
    """Fetch the peer's capsules changed after our cursor, import them, save the cursor.

    Args:
        repository: this node's store (read-write).
        trust: this node's trusted peers (the peer must be one, unless ``tofu``).
        cursors: this node's sync cursors.
        peer: the peer's base URL (``http://127.0.0.1:8765``).
        token: the peer's bearer token.
        signals: only capsules of genes holding one of these signals.
        tofu: trust the peer on first use.
        transport: an httpx transport (default: a real connection).
        timeout_s: timeout of the request.

    Raises:
        PeerError: the peer could not be reached or answered with an error.
        MessageRefusedError (and subclasses): the bundle was refused; nothing was written.
    """
    with PeerClient(peer, token, transport=transport, timeout_s=timeout_s) as client:
        base = client.peer
        known = cursors.get(base)
        after = known.seq if known is not None else 0
        body = client.fetch(after, signals)
        verified = verify_bundle(body, trust, tofu=tofu)
        manifest = verified.bundle.manifest
        if known is not None and known.node_id != manifest.sender_id and after > 0:
            # Another node answers at this address: our cursor means nothing to it.
            after = 0
            body = client.fetch(0, signals)
            verified = verify_bundle(body, trust, tofu=tofu)
            manifest = verified.bundle.manifest
    imported: ImportReport | None = None
    if verified.bundle.asset_ids:
        imported = import_verified(repository, verified, trust)
    cursors.set(
        PeerCursor(
            peer=base, node_id=manifest.sender_id, seq=manifest.cursor, synced_at=datetime.now(UTC)
        )
    )
    return SyncReport(
        peer=base,
        node_id=manifest.sender_id,
        cursor_before=after,
        cursor_after=manifest.cursor,
        capsules_fetched=len(verified.bundle.capsules),
        imported=imported,
    )
