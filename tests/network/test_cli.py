"""``evokernel network``: each command's effect, read back through the library."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson

from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.network import NodeIdentity, default_node_dir
from evokernel.adapters.network.identity import KEY_NAME
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.models import AssetState
from tests.cli.conftest import Invoke, invoke, isolated_cwd
from tests.network.conftest import MakeNode, Node, capsule_id

__all__ = ["invoke", "isolated_cwd"]  # the CLI suite's fixtures, used here


def test_keygen_writes_a_0600_key_and_refuses_to_overwrite_it(
    invoke: Invoke, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    made = invoke("--store", str(store), "network", "keygen", "--json")
    key = default_node_dir(store) / KEY_NAME

    again = invoke("--store", str(store), "network", "keygen")

    assert made.exit_code == 0
    assert orjson.loads(made.stdout)["node_id"] == NodeIdentity.load(key.parent).node_id
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert again.exit_code == ExitCode.CHECK_FAILED and "KeyFileExistsError" in again.stderr


def test_export_then_import_with_trust_on_first_use(
    invoke: Invoke, publisher: Node, make_node: MakeNode, tmp_path: Path
) -> None:
    receiver = make_node("b")
    bundle = tmp_path / "bundle.json"
    exported = invoke(
        "network", "export", "--store", str(publisher.store_dir), "--out", str(bundle)
    )
    args = ("network", "import", str(bundle), "--store", str(receiver.store_dir), "--json")

    refused = invoke(*args)
    accepted = invoke(*args, "--trust-on-first-use")

    assert exported.exit_code == 0
    assert refused.exit_code == ExitCode.BAD_INPUT and "UntrustedSenderError" in refused.stderr
    assert accepted.exit_code == 0, accepted.stderr
    report = orjson.loads(accepted.stdout)
    assert report["trusted_on_first_use"] is True
    with EvolutionRepository.open(receiver.store_dir, readonly=True) as store:
        view = store.view()
    assert view.capsules[capsule_id(1)].state is AssetState.QUARANTINED


def test_importing_a_tampered_bundle_exits_2_and_writes_nothing(
    invoke: Invoke, publisher: Node, receiver: Node, tmp_path: Path
) -> None:
    exported = invoke("network", "export", "--store", str(publisher.store_dir))
    raw = orjson.loads(exported.stdout)
    raw["capsules"][0]["diff"] = raw["capsules"][0]["diff"].replace("+x", "+y")
    bundle = tmp_path / "tampered.json"
    bundle.write_bytes(orjson.dumps(raw))
    before = receiver.events_bytes()

    result = invoke("network", "import", str(bundle), "--store", str(receiver.store_dir))

    assert result.exit_code == ExitCode.BAD_INPUT and "BundleHashError" in result.stderr
    assert receiver.events_bytes() == before


def test_peers_trust_then_list(invoke: Invoke, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    peer = NodeIdentity.generate()

    trusted = invoke("network", "peers", "trust", peer.public_key, "--note", "ci", "--store", store)
    listed = invoke("network", "peers", "list", "--json", "--store", store)

    assert trusted.exit_code == 0
    assert stat.S_IMODE(default_node_dir(Path(store)).stat().st_mode) == 0o700
    assert [(p["node_id"], p["source"], p["note"]) for p in orjson.loads(listed.stdout)] == [
        (peer.node_id, "manual", "ci")
    ]


def test_revoke_prints_a_signed_message_that_apply_revocation_honours(
    invoke: Invoke, publisher: Node, receiver: Node, tmp_path: Path
) -> None:
    exported = tmp_path / "bundle.json"
    invoke("network", "export", "--store", str(publisher.store_dir), "--out", str(exported))
    invoke("network", "import", str(exported), "--store", str(receiver.store_dir))
    signed = invoke("network", "revoke", capsule_id(1), "--store", str(publisher.store_dir))
    message = tmp_path / "revoke.json"
    message.write_text(signed.stdout)

    applied = invoke(
        "network", "apply-revocation", str(message), "--store", str(receiver.store_dir), "--json"
    )

    assert applied.exit_code == 0, applied.stderr
    assert orjson.loads(applied.stdout)["state"] == "revoked"


def test_sync_without_a_token_is_a_usage_error(invoke: Invoke, receiver: Node) -> None:
    result = invoke(
        "network", "sync", "--peer", "http://127.0.0.1:9", "--store", str(receiver.store_dir)
    )

    assert result.exit_code == ExitCode.BAD_INPUT and "EVOKERNEL_NETWORK_TOKEN" in result.stderr


def test_sync_from_a_file_url_is_bad_input(invoke: Invoke, receiver: Node) -> None:
    result = invoke(
        "network", "sync", "--peer", "file:///etc/passwd", "--store", str(receiver.store_dir),
        env={"EVOKERNEL_NETWORK_TOKEN": "t"},
    )  # fmt: skip

    assert result.exit_code == ExitCode.BAD_INPUT
    assert "PeerAddressError" in result.stderr and "This is a bug" not in result.stderr
