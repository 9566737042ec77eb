"""``evokernel network``: node identity, signed bundles, trusted peers, revokes, sync."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, StoreOption, TokenEnvOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.state import cli_state
from evokernel.adapters.network import (
    CursorStore,
    ImportReport,
    NodeIdentity,
    RevocationReport,
    SyncReport,
    TrustedPeer,
    TrustStore,
    apply_revocation,
    default_node_dir,
    export_store,
    import_bundle,
    import_seeds,
    load_seed_file,
    sign_revocation,
    sync_from_peer,
)
from evokernel.adapters.network.client import PeerClient
from evokernel.adapters.network.identity import NodeInfo, keygen, node_info
from evokernel.adapters.network.sync import CURSORS_NAME
from evokernel.application.projection import EvolutionRepository

app = typer.Typer(
    help="The evolution network: identity, signed bundles, peers, revokes, sync.",
    no_args_is_help=True,
)
peers_app = typer.Typer(
    help="Trusted peers: who may publish and revoke here.", no_args_is_help=True
)
app.add_typer(peers_app, name="peers")

DEFAULT_TOKEN_ENV = "EVOKERNEL_NETWORK_TOKEN"

NodeDirOption = Annotated[
    Path | None,
    typer.Option(
        "--node-dir",
        help="Node directory: key, trusted peers, sync cursors (default: <store>/node).",
        file_okay=False,
    ),
]
TofuOption = Annotated[
    bool,
    typer.Option(
        "--trust-on-first-use", help="Trust an unknown sender once its bundle passes every check."
    ),
]
SignalsOption = Annotated[
    list[str] | None,
    typer.Option("--signals", help="Only genes whose signature holds this signal (repeatable)."),
]
PeerOption = Annotated[str, typer.Option("--peer", help="The peer's base URL.")]


def _dirs(ctx: typer.Context, store: Path | None, node_dir: Path | None) -> tuple[Path, Path]:
    store_dir = cli_state(ctx).store_dir(store)
    return store_dir, (node_dir.absolute() if node_dir else default_node_dir(store_dir))


def _trust(
    ctx: typer.Context, store: Path | None, node_dir: Path | None
) -> tuple[Path, TrustStore]:
    """The store directory and the node's trusted peers: every command's one ``TrustStore``."""
    store_dir, directory = _dirs(ctx, store, node_dir)
    return store_dir, TrustStore.of_node(directory)


def _message_file(help_text: str) -> Any:
    """A signed message read from a file (a bundle, a revoke) that must exist."""
    return typer.Argument(help=help_text, exists=True, dir_okay=False, readable=True)


def _token(name: str) -> str:
    token = os.environ.get(name, "")
    if not token:
        raise typer.BadParameter(f"set the peer's token in ${name}", param_hint="--token-env")
    return token


def _info_table(info: NodeInfo) -> Table:
    return key_value_table("node", info.model_dump().items())


@app.command("keygen")
def keygen_command(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key.")] = False,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Create this node's Ed25519 identity; the private key is written with mode 0600.

    The node id is the fingerprint of the public key. An existing key is kept unless
    --force is given.

    \b
    Example:
        evokernel network keygen
        evokernel network keygen --node-dir ~/.evokernel/node --json
    """
    _store, directory = _dirs(ctx, store, node_dir)
    emit(keygen(directory, force=force), json, _info_table)


@app.command("id")
def id_command(
    ctx: typer.Context,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Print this node's id and public key (hand them to peers).

    \b
    Example:
        evokernel network id --json
    """
    _store, directory = _dirs(ctx, store, node_dir)
    emit(node_info(directory), json, _info_table)


@app.command("export")
def export_command(
    ctx: typer.Context,
    signals: SignalsOption = None,
    after: Annotated[
        int, typer.Option("--after", min=0, help="Only capsules touched after this store seq.")
    ] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write to a file, not stdout.")] = None,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
) -> None:
    """Print a signed bundle of the promoted and candidate capsules, with their genes.

    Never exports revoked, archived or quarantined capsules. Reads the store only.

    \b
    Example:
        evokernel network export > bundle.json
        evokernel network export --signals missing-module:yaml --out yaml.bundle.json
    """
    store_dir, directory = _dirs(ctx, store, node_dir)
    bundle = export_store(store_dir, NodeIdentity.load(directory), signals, after_seq=after)
    data = bundle.to_json() + b"\n"
    if out is not None:
        out.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _import_table(report: ImportReport) -> Table:
    return key_value_table(
        "import",
        [
            ("sender", report.sender_id),
            ("message", report.message_id),
            ("genes imported", len(report.imported_genes)),
            ("capsules imported", ", ".join(report.imported_capsules)),
            ("skipped (known)", len(report.skipped)),
            ("state", report.state.value),
            ("trusted on first use", report.trusted_on_first_use),
        ],
    )


@app.command("import")
def import_command(
    ctx: typer.Context,
    bundle: Annotated[Path, _message_file("A bundle file (from `network export`).")],
    tofu: TofuOption = False,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Verify a bundle and record its new assets as quarantined.

    Refused (exit 2, nothing written) when the sender is not trusted, the signature or
    content hash does not verify, an asset does not match its id, or the bundle was
    already imported. Imported capsules are promoted only when a replay validates them.

    \b
    Example:
        evokernel network import bundle.json
        evokernel network import bundle.json --trust-on-first-use --json
    """
    store_dir, trust = _trust(ctx, store, node_dir)
    with EvolutionRepository.open(store_dir) as repository:
        report = import_bundle(repository, bundle.read_bytes(), trust, tofu=tofu)
    emit(report, json, _import_table)


@app.command("seed")
def seed_command(
    ctx: typer.Context,
    seed_file: Annotated[Path, typer.Argument(help="A seed file (evokernel-seeds/1 JSON).")],
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Bootstrap the store from a seed file: its genes and capsules arrive quarantined.

    Importing the same file again writes nothing.

    \b
    Example:
        evokernel network seed seeds.json
    """
    store_dir = cli_state(ctx).store_dir(store)
    seeds = load_seed_file(seed_file)
    with EvolutionRepository.open(store_dir) as repository:
        report = import_seeds(repository, seeds)
    emit(report, json, _import_table)


@app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    capsule_id: Annotated[str, typer.Argument(help="A capsule this node published.")],
    note: Annotated[str, typer.Option("--note", help="Why (travels in the message).")] = "",
    peer: Annotated[
        str | None, typer.Option("--peer", help="Send it to this peer instead of printing it.")
    ] = None,
    token_env: TokenEnvOption = DEFAULT_TOKEN_ENV,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Sign a revoke of a capsule this node published; print it, or send it to a peer.

    Peers honour it only for capsules they imported from this node.

    \b
    Example:
        evokernel network revoke capsule_7faaee65e1ef23b873ef3de4 --note "wrong fix" > revoke.json
        evokernel network revoke capsule_7fa... --peer http://127.0.0.1:8765
    """
    _store, directory = _dirs(ctx, store, node_dir)
    revocation = sign_revocation(NodeIdentity.load(directory), capsule_id, note)
    if peer is None:
        sys.stdout.buffer.write(revocation.to_json() + b"\n")
        sys.stdout.flush()
        return
    with PeerClient(peer, _token(token_env)) as client:
        emit(client.revoke(revocation), json, _revocation_table)


def _revocation_table(report: RevocationReport) -> Table:
    return key_value_table("revoke", report.model_dump().items())


@app.command("apply-revocation")
def apply_revocation_command(
    ctx: typer.Context,
    revocation: Annotated[Path, _message_file("A revoke file (from `network revoke`).")],
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Apply a publisher's signed revoke: the capsule is revoked if that node published it.

    Refused (exit 2, nothing written) when the signer is not trusted, the signature does not
    verify, or the signer is not the node the capsule was imported from.

    \b
    Example:
        evokernel network apply-revocation revoke.json
    """
    store_dir, trust = _trust(ctx, store, node_dir)
    with EvolutionRepository.open(store_dir) as repository:
        report = apply_revocation(repository, revocation.read_bytes(), trust)
    emit(report, json, _revocation_table)


@app.command("publish")
def publish_command(
    ctx: typer.Context,
    peer: PeerOption,
    signals: SignalsOption = None,
    token_env: TokenEnvOption = DEFAULT_TOKEN_ENV,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Export a signed bundle and ask a peer to import it (POST /v1/network/publish).

    \b
    Example:
        EVOKERNEL_NETWORK_TOKEN=... evokernel network publish --peer http://127.0.0.1:8765
    """
    store_dir, directory = _dirs(ctx, store, node_dir)
    bundle = export_store(store_dir, NodeIdentity.load(directory), signals)
    with PeerClient(peer, _token(token_env)) as client:
        emit(client.publish(bundle), json, _import_table)


@app.command("sync")
def sync_command(
    ctx: typer.Context,
    peer: PeerOption,
    signals: SignalsOption = None,
    tofu: TofuOption = False,
    token_env: TokenEnvOption = DEFAULT_TOKEN_ENV,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Pull what a peer exported since the last sync, import it, and move the cursor.

    The cursor of each peer is kept in <node dir>/cursors.json.

    \b
    Example:
        EVOKERNEL_NETWORK_TOKEN=... evokernel network sync --peer http://127.0.0.1:8765
    """
    store_dir, directory = _dirs(ctx, store, node_dir)
    trust, cursors = TrustStore.of_node(directory), CursorStore(directory / CURSORS_NAME)
    token = _token(token_env)
    with EvolutionRepository.open(store_dir) as repository:
        report = sync_from_peer(
            repository, trust, cursors, peer, token, signals=signals or (), tofu=tofu
        )
    emit(report, json, _sync_table)


def _sync_table(report: SyncReport) -> Table:
    imported = report.imported
    return key_value_table(
        "sync",
        [
            ("peer", report.peer),
            ("node", report.node_id),
            ("cursor", f"{report.cursor_before} -> {report.cursor_after}"),
            ("capsules fetched", report.capsules_fetched),
            ("capsules imported", len(imported.imported_capsules) if imported else 0),
        ],
    )


@peers_app.command("list")
def peers_list(
    ctx: typer.Context,
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """The trusted peers: node id, how each was trusted, when.

    \b
    Example:
        evokernel network peers list --json
    """
    emit(_trust(ctx, store, node_dir)[1].peers(), json, _peers_table)


def _peers_table(peers: list[TrustedPeer]) -> Table:
    table = Table(title="trusted peers", title_justify="left")
    for column in ("node", "source", "added", "note"):
        table.add_column(column)
    for peer in peers:
        table.add_row(peer.node_id, peer.source.value, peer.added_at.isoformat(), peer.note)
    return table


@peers_app.command("trust")
def peers_trust(
    ctx: typer.Context,
    public_key: Annotated[str, typer.Argument(help="The peer's public key (from `network id`).")],
    note: Annotated[str, typer.Option("--note", help="Who it is.")] = "",
    node_dir: NodeDirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Trust a peer: its bundles and revokes are accepted here.

    \b
    Example:
        evokernel network peers trust Jz3x...= --note "build farm"
    """
    peer = _trust(ctx, store, node_dir)[1].trust(public_key, note=note)
    emit(peer, json, lambda p: key_value_table("trusted", p.model_dump().items()))
