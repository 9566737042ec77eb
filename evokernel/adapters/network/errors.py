"""Errors of the evolution network: identities, signed messages, peers.

A refused message (bundle or revoke) is bad input: every refusal is a ``MessageRefusedError``
(a ``ValueError``, so the CLI exits 2), raised before anything is written to the store.

    NetworkError(EvoKernelError)
    ├── IdentityError                       a node key cannot be made or used
    │   ├── KeyFileExistsError(FileExistsError)      keygen would overwrite a key
    │   ├── KeyFileNotFoundError(FileNotFoundError)  no key where one was expected
    │   └── KeyFilePermissionError(PermissionError)  the private key is readable by others
    ├── MessageRefusedError(ValueError)     a signed message failed a check; nothing written
    │   ├── MessageFormatError              not a bundle / revoke (JSON, fields, counts)
    │   ├── UntrustedSenderError            unknown sender (no TOFU) or a key mismatch
    │   ├── BundleSignatureError            the Ed25519 signature does not verify
    │   ├── BundleHashError                 the content does not hash to the manifest's hash
    │   ├── BundleContentError              ids that do not match contents, hostile paths
    │   ├── BundleReplayError               the message id was already received
    │   └── NotPublisherError               a revoke not signed by the asset's publisher
    ├── PeerError                           a peer could not be reached or refused a request
    └── PeerAddressError(ValueError)        a peer address that is not an http(s) URL
"""

from __future__ import annotations

from evokernel.errors import EvoKernelError


class NetworkError(EvoKernelError):
    """Base of every evolution-network error."""


class IdentityError(NetworkError):
    """A node identity (Ed25519 key) cannot be created, read or used."""


class KeyFileExistsError(IdentityError, FileExistsError):
    """``keygen`` refuses to overwrite an existing key (pass ``force``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: a node key already exists (use --force to replace it)")


class KeyFileNotFoundError(IdentityError, FileNotFoundError):
    """No node key at the expected place (run ``evokernel network keygen``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: no node key (run `evokernel network keygen`)")


class KeyFilePermissionError(IdentityError, PermissionError):
    """The private key file is readable or writable by group or others."""

    def __init__(self, path: str, mode: int) -> None:
        self.path = path
        self.mode = mode
        super().__init__(f"{path}: private key has mode {mode:04o}; it must be 0600")


class MessageRefusedError(NetworkError, ValueError):
    """A signed message (bundle or revoke) failed a check; nothing was written.

    Attributes:
        message_id: the message's id when it could be read.
        sender_id: the claimed sender when it could be read.
    """

    def __init__(
        self, detail: str, *, message_id: str | None = None, sender_id: str | None = None
    ) -> None:
        self.detail = detail
        self.message_id = message_id
        self.sender_id = sender_id
        super().__init__(detail)


class MessageFormatError(MessageRefusedError):
    """Not a bundle or revoke this version can read (JSON, fields, format, counts)."""


class UntrustedSenderError(MessageRefusedError):
    """The sender is not in the trusted-peers file (and TOFU was not asked for), or its key
    differs from the trusted one."""


class BundleSignatureError(MessageRefusedError):
    """The Ed25519 signature of a bundle or revoke does not verify against the sender's key,
    or the sender id is not the fingerprint of the key that came with it."""


class BundleHashError(MessageRefusedError):
    """The bundle's content does not hash to the content hash its manifest signs."""

    def __init__(self, expected: str, actual: str, *, message_id: str | None = None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"content hash mismatch: manifest says {expected}, content hashes to {actual}",
            message_id=message_id,
        )


class BundleContentError(MessageRefusedError):
    """An asset in a bundle does not match its own content (ids, hashes, paths)."""

    def __init__(self, asset_id: str, reason: str, *, message_id: str | None = None) -> None:
        self.asset_id = asset_id
        self.reason = reason
        super().__init__(f"{asset_id}: {reason}", message_id=message_id)


class BundleReplayError(MessageRefusedError):
    """The message id was already received: a replayed bundle or revoke."""


class NotPublisherError(MessageRefusedError):
    """A revoke for an asset that the signer did not publish to this node."""

    def __init__(self, asset_id: str, sender_id: str, publisher: str | None) -> None:
        self.asset_id = asset_id
        self.publisher = publisher
        owner = f"published by {publisher}" if publisher else "not imported from any peer"
        super().__init__(
            f"{sender_id} may not revoke {asset_id}: it was {owner}", sender_id=sender_id
        )


class PeerError(NetworkError):
    """A peer could not be reached, or answered with an error.

    Attributes:
        peer: the peer's base URL.
        status: the HTTP status, when the peer answered.
    """

    def __init__(self, peer: str, detail: str, status: int | None = None) -> None:
        self.peer = peer
        self.status = status
        super().__init__(f"{peer}: {detail}")


class PeerAddressError(NetworkError, ValueError):
    """A peer address is not an http(s) URL with a host (``file:///etc/passwd``, say)."""

    def __init__(self, peer: str, reason: str) -> None:
        self.peer = peer
        super().__init__(f"peer {peer!r}: {reason}")
