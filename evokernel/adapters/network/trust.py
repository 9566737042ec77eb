"""The trusted-peers file: which node ids this node accepts signed messages from.

``peers.json`` maps each trusted node id to its public key. A peer is added by hand
(``evokernel network peers trust``) or, when asked for, on first use: an import with
``tofu=True`` adds an unknown sender once its bundle passed every other check. An entry is
never replaced by TOFU: a known node id arriving with another key is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from filelock import FileLock
from pydantic import Field, ValidationError

from evokernel.adapters.network.errors import MessageFormatError, NetworkError
from evokernel.adapters.network.identity import node_id_for
from evokernel.adapters.network.nodefiles import make_node_dir, replace_json
from evokernel.domain.models import Model

PEERS_NAME = "peers.json"
"""File name of the trusted-peers file inside a node directory."""


class TrustSource(StrEnum):
    """How a peer came to be trusted."""

    MANUAL = "manual"
    """Added by a person (``peers trust``)."""
    TOFU = "tofu"
    """Added on first use by an import that asked for it."""


class TrustedPeer(Model):
    """One trusted node."""

    node_id: str
    """The node id (fingerprint of ``public_key``)."""
    public_key: str
    """Its Ed25519 public key, base64."""
    source: TrustSource
    """Manual, or trusted on first use."""
    added_at: datetime
    """When it was added."""
    note: str = ""
    """Free text (who it is)."""


class _PeersFile(Model):
    peers: dict[str, TrustedPeer] = Field(default_factory=dict)
    """Trusted peers by node id."""


class TrustStore:
    """The trusted peers of one node, kept in ``path`` (JSON, replaced atomically on change).

    Args:
        path: the peers file; a missing file means "no trusted peers".
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path) + ".lock", timeout=30)

    @classmethod
    def of_node(cls, node_dir: Path) -> TrustStore:
        """The trusted peers of the node whose files live in ``node_dir`` (``PEERS_NAME``)."""
        return cls(node_dir / PEERS_NAME)

    def peers(self) -> list[TrustedPeer]:
        """Every trusted peer, by node id."""
        return sorted(self._read().peers.values(), key=lambda peer: peer.node_id)

    def get(self, node_id: str) -> TrustedPeer | None:
        """The trusted peer with ``node_id``, if any."""
        return self._read().peers.get(node_id)

    def trust(
        self, public_key: str, *, source: TrustSource = TrustSource.MANUAL, note: str = ""
    ) -> TrustedPeer:
        """Trust the node owning ``public_key``; returns its entry (the existing one if the
        same key is already trusted).

        Raises:
            MessageFormatError: ``public_key`` is not a base64 Ed25519 public key.
            NetworkError: the node id is already trusted with a different key.
        """
        try:
            node_id = node_id_for(public_key)
        except ValueError as exc:
            raise MessageFormatError(f"not an Ed25519 public key: {exc}") from exc
        # The node directory is made private before the lock file lands in it.
        make_node_dir(self.path.parent)
        with self._lock:
            current = self._read()
            known = current.peers.get(node_id)
            if known is not None:
                if known.public_key != public_key:  # cannot happen for a real fingerprint
                    raise NetworkError(f"{node_id} is already trusted with another key")
                return known
            peer = TrustedPeer(
                node_id=node_id,
                public_key=public_key,
                source=source,
                added_at=datetime.now(UTC),
                note=note,
            )
            updated = _PeersFile(peers={**current.peers, node_id: peer})
            replace_json(self.path, updated, "trusted peers")
        return peer

    def _read(self) -> _PeersFile:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return _PeersFile()
        except OSError as exc:
            raise NetworkError(f"{self.path}: cannot read the trusted peers: {exc}") from exc
        try:
            return _PeersFile.model_validate_json(data)
        except ValidationError as exc:
            raise NetworkError(f"{self.path}: not a trusted-peers file: {exc}") from exc
