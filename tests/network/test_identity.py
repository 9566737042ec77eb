"""Node identity: real Ed25519 keys, the key file's mode, the node id as a fingerprint."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from evokernel.adapters.network import (
    KeyFileExistsError,
    KeyFileNotFoundError,
    KeyFilePermissionError,
    NodeIdentity,
    node_id_for,
)
from evokernel.adapters.network.identity import (
    KEY_NAME,
    decode_key,
    keygen,
    node_info,
    verify_signature,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keygen_writes_the_private_key_with_mode_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)  # the most permissive umask: the mode must not depend on it
    try:
        info = keygen(tmp_path / "node")
    finally:
        os.umask(old)

    assert mode_of(tmp_path / "node" / KEY_NAME) == 0o600
    assert mode_of(tmp_path / "node") == 0o700
    assert node_info(tmp_path / "node") == info


def test_keygen_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    first = keygen(tmp_path / "node")
    before = (tmp_path / "node" / KEY_NAME).read_bytes()

    with pytest.raises(KeyFileExistsError):
        keygen(tmp_path / "node")

    assert (tmp_path / "node" / KEY_NAME).read_bytes() == before
    assert node_info(tmp_path / "node").node_id == first.node_id


def test_keygen_with_force_replaces_the_key_and_keeps_the_mode(tmp_path: Path) -> None:
    first = keygen(tmp_path / "node")

    second = keygen(tmp_path / "node", force=True)

    assert second.node_id != first.node_id
    assert node_info(tmp_path / "node").node_id == second.node_id
    assert mode_of(tmp_path / "node" / KEY_NAME) == 0o600
    assert sorted(p.name for p in (tmp_path / "node").iterdir()) == ["node.key", "node.pub"]


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    keygen(tmp_path / "node")
    (tmp_path / "node" / KEY_NAME).chmod(0o644)

    with pytest.raises(KeyFilePermissionError) as caught:
        NodeIdentity.load(tmp_path / "node")

    assert caught.value.mode == 0o644


def test_a_missing_key_names_the_command_that_makes_one(tmp_path: Path) -> None:
    with pytest.raises(KeyFileNotFoundError, match="network keygen"):
        NodeIdentity.load(tmp_path / "nowhere")


def test_node_id_is_the_fingerprint_of_the_raw_public_key() -> None:
    identity = NodeIdentity.generate()
    raw = decode_key(identity.public_key, 32, "public key")

    assert identity.node_id == "node_" + hashlib.sha256(raw).hexdigest()[:32]
    assert node_id_for(identity.public_key) == identity.node_id


def test_a_saved_identity_signs_like_the_original(tmp_path: Path) -> None:
    identity = NodeIdentity.generate()
    identity.save(tmp_path / "node")
    loaded = NodeIdentity.load(tmp_path / "node")

    signature = loaded.sign(b"message")

    assert loaded.node_id == identity.node_id
    assert verify_signature(identity.public_key, signature, b"message")
    assert not verify_signature(identity.public_key, signature, b"messagE")
    assert not verify_signature(NodeIdentity.generate().public_key, signature, b"message")


@pytest.mark.parametrize("signature", ["", "not base64!", "AAAA", "A" * 88])
def test_malformed_signatures_never_verify(signature: str) -> None:
    assert not verify_signature(NodeIdentity.generate().public_key, signature, b"message")
