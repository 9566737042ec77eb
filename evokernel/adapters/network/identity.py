"""Node identity: an Ed25519 key pair; the node id is the fingerprint of the public key.

The node directory (by default ``<store>/node``) holds what makes a store a network node::

    node.key       the private key (PKCS#8 PEM, unencrypted), file mode 0600
    node.pub       the public key and node id (JSON), safe to hand to peers
    peers.json     the trusted peers (``evokernel.adapters.network.trust``)
    cursors.json   the sync cursor of each peer (``evokernel.adapters.network.sync``)

A private key readable by group or others is refused, as ``ssh`` refuses one.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from evokernel.adapters.network.errors import (
    IdentityError,
    KeyFileExistsError,
    KeyFileNotFoundError,
    KeyFilePermissionError,
)
from evokernel.domain.models import Model
from store import sha256_hex

KEY_NAME = "node.key"
"""File name of the private key inside a node directory."""
PUBLIC_NAME = "node.pub"
"""File name of the public key (JSON: ``node_id``, ``public_key``)."""
NODE_DIR_NAME = "node"
"""Name of the node directory inside a store directory (the default location)."""

_NODE_ID_HEX = 32


def default_node_dir(store_dir: Path) -> Path:
    """Where the node identity of the store at ``store_dir`` lives by default."""
    return store_dir / NODE_DIR_NAME


def encode_key(raw: bytes) -> str:
    """Standard base64 of raw key or signature bytes (how they travel in JSON)."""
    return base64.b64encode(raw).decode("ascii")


def decode_key(text: str, length: int, what: str) -> bytes:
    """The raw bytes of a base64 key or signature of ``length`` bytes.

    Raises:
        ValueError: not base64, or the wrong length.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"{what} is not base64") from exc
    if len(raw) != length:
        raise ValueError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


def node_id_for(public_key: str) -> str:
    """The node id of a base64 Ed25519 public key: ``node_`` + sha256 of the raw key (prefix).

    Raises:
        ValueError: not a 32-byte base64 key.
    """
    raw = decode_key(public_key, 32, "public key")
    return f"node_{sha256_hex(raw)[:_NODE_ID_HEX]}"


def verify_signature(public_key: str, signature: str, data: bytes) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s Ed25519 signature of ``data``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(decode_key(public_key, 32, "public key"))
        key.verify(decode_key(signature, 64, "signature"), data)
    except (ValueError, InvalidSignature):
        return False
    return True


@dataclass(frozen=True)
class NodeIdentity:
    """A node's key pair. Sign with it; hand ``public_key`` and ``node_id`` to peers."""

    _private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> NodeIdentity:
        """A fresh random identity (not saved anywhere)."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> str:
        """The raw public key, base64."""
        raw = self._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return encode_key(raw)

    @property
    def node_id(self) -> str:
        """The fingerprint of the public key (``node_<hex>``)."""
        return node_id_for(self.public_key)

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of ``data``, base64."""
        return encode_key(self._private.sign(data))

    def save(self, node_dir: Path, *, force: bool = False) -> Path:
        """Write the private key (mode 0600) and public key into ``node_dir``.

        The directory is created with mode 0700. An existing key is kept unless ``force``;
        a replaced key is swapped in atomically (written aside, then renamed).

        Returns:
            The private key's path.

        Raises:
            KeyFileExistsError: a key exists and ``force`` is false.
            IdentityError: the files cannot be written.
        """
        key_path = node_dir / KEY_NAME
        if key_path.exists() and not force:
            raise KeyFileExistsError(str(key_path))
        pem = self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = orjson.dumps(
            {"node_id": self.node_id, "public_key": self.public_key}, option=orjson.OPT_INDENT_2
        )
        try:
            node_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_private(key_path, pem)
            (node_dir / PUBLIC_NAME).write_bytes(public + b"\n")
        except OSError as exc:
            raise IdentityError(f"{node_dir}: cannot write the node key: {exc}") from exc
        return key_path

    @classmethod
    def load(cls, node_dir: Path) -> NodeIdentity:
        """Read the identity saved in ``node_dir``.

        Raises:
            KeyFileNotFoundError: no key there.
            KeyFilePermissionError: the key file is readable or writable by group or others.
            IdentityError: the file is not an Ed25519 private key.
        """
        key_path = node_dir / KEY_NAME
        try:
            mode = stat.S_IMODE(key_path.stat().st_mode)
            data = key_path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyFileNotFoundError(str(key_path)) from exc
        except OSError as exc:
            raise IdentityError(f"{key_path}: cannot read the node key: {exc}") from exc
        if mode & 0o077:
            raise KeyFilePermissionError(str(key_path), mode)
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise IdentityError(f"{key_path}: not a readable private key") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise IdentityError(f"{key_path}: not an Ed25519 key")
        return cls(private)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file of mode 0600 next to ``path``, then rename it over ``path``.

    The file is created with its final mode (never briefly world-readable), whatever the umask.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class NodeInfo(Model):
    """A node's public identity (what ``network keygen`` and ``network id`` print)."""

    node_id: str
    """The fingerprint of the public key."""
    public_key: str
    """The Ed25519 public key, base64: hand it to peers (``network peers trust``)."""
    node_dir: Path
    """Where the key lives."""


def keygen(node_dir: Path, *, force: bool = False) -> NodeInfo:
    """Create this node's identity in ``node_dir`` (private key mode 0600).

    Raises:
        KeyFileExistsError: a key exists and ``force`` is false.
    """
    identity = NodeIdentity.generate()
    identity.save(node_dir, force=force)
    return NodeInfo(node_id=identity.node_id, public_key=identity.public_key, node_dir=node_dir)


def node_info(node_dir: Path) -> NodeInfo:
    """The public identity of the node whose key is in ``node_dir``.

    Raises:
        KeyFileNotFoundError, KeyFilePermissionError, IdentityError: no usable key.
    """
    identity = NodeIdentity.load(node_dir)
    return NodeInfo(node_id=identity.node_id, public_key=identity.public_key, node_dir=node_dir)
