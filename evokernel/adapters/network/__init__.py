"""The evolution network: node identities, signed bundles, trust, import, revoke, sync.

Nodes exchange genes and capsules in Ed25519-signed bundles. A bundle is verified (sender,
trust, signature, content hash, content) before anything is written; imported assets start
quarantined and are promoted only when a replay validates them locally; only the publisher
of an asset can revoke it remotely. See docs/network.md.
"""

from __future__ import annotations

from evokernel.adapters.network.api import NodeApiState, network_routes, open_node_api
from evokernel.adapters.network.bundle import (
    BUNDLE_FORMAT,
    Bundle,
    BundleCounts,
    BundleEvent,
    BundleManifest,
    seal_bundle,
)
from evokernel.adapters.network.errors import (
    BundleContentError,
    BundleHashError,
    BundleReplayError,
    BundleSignatureError,
    IdentityError,
    KeyFileExistsError,
    KeyFileNotFoundError,
    KeyFilePermissionError,
    MessageFormatError,
    MessageRefusedError,
    NetworkError,
    NotPublisherError,
    PeerAddressError,
    PeerError,
    UntrustedSenderError,
)
from evokernel.adapters.network.export import export_bundle, export_store
from evokernel.adapters.network.identity import NodeIdentity, default_node_dir, node_id_for
from evokernel.adapters.network.importer import ImportReport, import_bundle
from evokernel.adapters.network.revocation import (
    Revocation,
    RevocationReport,
    apply_revocation,
    sign_revocation,
)
from evokernel.adapters.network.seeds import (
    Seed,
    SeedFile,
    import_seeds,
    load_seed_file,
    seed_assets,
)
from evokernel.adapters.network.sync import CursorStore, PeerCursor, SyncReport, sync_from_peer
from evokernel.adapters.network.trust import TrustedPeer, TrustSource, TrustStore
from evokernel.adapters.network.verify import VerifiedBundle, verify_bundle

__all__ = [
    "BUNDLE_FORMAT",
    "Bundle",
    "BundleContentError",
    "BundleCounts",
    "BundleEvent",
    "BundleHashError",
    "BundleManifest",
    "BundleReplayError",
    "BundleSignatureError",
    "CursorStore",
    "IdentityError",
    "ImportReport",
    "KeyFileExistsError",
    "KeyFileNotFoundError",
    "KeyFilePermissionError",
    "MessageFormatError",
    "MessageRefusedError",
    "NetworkError",
    "NodeApiState",
    "NodeIdentity",
    "NotPublisherError",
    "PeerAddressError",
    "PeerCursor",
    "PeerError",
    "Revocation",
    "RevocationReport",
    "Seed",
    "SeedFile",
    "SyncReport",
    "TrustSource",
    "TrustStore",
    "TrustedPeer",
    "UntrustedSenderError",
    "VerifiedBundle",
    "apply_revocation",
    "default_node_dir",
    "export_bundle",
    "export_store",
    "import_bundle",
    "import_seeds",
    "load_seed_file",
    "network_routes",
    "node_id_for",
    "open_node_api",
    "seal_bundle",
    "seed_assets",
    "sign_revocation",
    "sync_from_peer",
    "verify_bundle",
]
