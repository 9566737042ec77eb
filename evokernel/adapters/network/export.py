"""Exporting: the genes and capsules this node vouches for, as a signed bundle.

Only capsules that are ``promoted`` or ``candidate`` here leave the node: never revoked,
archived or quarantined ones (an imported capsule leaves only after it validated here, and
then this node is its publisher for whoever imports it next). Each capsule travels with its
gene and, for audit, with this node's latest events about it (replays, reuses, state
changes; never approvals, which name people).

``after_seq`` makes exports incremental: only capsules created or touched by a record after
that seq are included, and the bundle's ``cursor`` names the position it covers, so a sync
client asks for "everything after my cursor" next time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from evokernel.adapters.network.attestation import CapsuleAttestation, attest, stored_attestation
from evokernel.adapters.network.bundle import Bundle, BundleEvent, seal_bundle
from evokernel.adapters.network.identity import NodeIdentity
from evokernel.adapters.network.integrity import JUSTIFYING_KINDS
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.models import AssetState, Capsule, Gene
from evokernel.domain.views import EvolutionView
from store import EventLog, StoreNotFoundError

EXPORTABLE = frozenset({AssetState.PROMOTED, AssetState.CANDIDATE})
"""Capsule states that may be exported."""

MAX_EVENTS_PER_ASSET = 20
"""Justifying events kept per capsule (the latest ones)."""

# Kinds whose record means "this capsule changed", for incremental exports.
_TOUCHING_KINDS = JUSTIFYING_KINDS | {"capsule_committed", "remote_asset_imported"}


def export_bundle(
    repository: EvolutionRepository,
    identity: NodeIdentity,
    signals: Sequence[str] | None = None,
    *,
    after_seq: int = 0,
    max_events_per_asset: int = MAX_EVENTS_PER_ASSET,
    now: datetime | None = None,
) -> Bundle:
    """A bundle of the exportable capsules (and their genes), signed by ``identity``.

    Args:
        repository: the store to export from (read-only is enough; nothing is written).
        identity: the sender.
        signals: keep only genes whose signature holds at least one of these signals.
        after_seq: keep only capsules created or touched after this store position.
        max_events_per_asset: how many of the latest justifying events travel per capsule.
        now: the bundle's ``created_at`` (defaults to the current time).
    """
    view = repository.view()
    log = repository.log
    chosen = _exportable(view, set(signals or ()))
    if after_seq > 0:
        touched = _touched(log, set(chosen), after_seq, view.last_seq)
        chosen = {cid: c for cid, c in chosen.items() if cid in touched}
    history = _history(log, set(chosen), view.last_seq, max_events_per_asset)
    capsules = [chosen[cid] for cid in sorted(chosen)]
    gene_ids = sorted({c.gene_id for c in capsules})
    genes: list[Gene] = [view.genes[gid].gene for gid in gene_ids]
    events = sorted(
        (event for cid in sorted(chosen) for event in history.get(cid, ())),
        key=lambda e: e.seq,
    )
    return seal_bundle(
        identity,
        genes,
        capsules,
        events,
        cursor=view.last_seq,
        signals=signals or (),
        now=now,
        attestations=_attestations(log, view, capsules, identity),
    )


def export_store(
    store_dir: Path,
    identity: NodeIdentity,
    signals: Sequence[str] | None = None,
    *,
    after_seq: int = 0,
) -> Bundle:
    """``export_bundle`` of the store at ``store_dir``, read-only; a node whose store has no
    log yet exports an empty bundle."""
    try:
        repository = EvolutionRepository.open(store_dir, readonly=True)
    except StoreNotFoundError:
        return seal_bundle(identity, [], [], signals=signals or ())
    with repository:
        return export_bundle(repository, identity, signals, after_seq=after_seq)


def _exportable(view: EvolutionView, signals: set[str]) -> dict[str, Capsule]:
    chosen: dict[str, Capsule] = {}
    for capsule_id, c in view.capsules.items():
        gene = view.genes.get(c.capsule.gene_id)
        if c.state not in EXPORTABLE or gene is None:
            continue
        if gene.state in {AssetState.REVOKED, AssetState.ARCHIVED}:
            continue
        if signals and not signals.intersection(gene.gene.signature):
            continue
        chosen[capsule_id] = c.capsule
    return chosen


def _subjects(kind: str, payload: dict[str, Any]) -> Iterable[str]:
    if kind == "capsule_committed":
        capsule = payload.get("capsule")
        return [capsule["capsule_id"]] if isinstance(capsule, dict) else []
    subject = payload.get("capsule_id", payload.get("asset_id"))
    return [subject] if isinstance(subject, str) else []


def _touched(log: EventLog, capsule_ids: set[str], after_seq: int, last_seq: int) -> set[str]:
    """The capsules a record in ``(after_seq, last_seq]`` touched. Reads only those records
    (the ones before are skipped unparsed), so a sync with nothing new stays cheap."""
    touched: set[str] = set()
    if not capsule_ids or after_seq >= last_seq:
        return touched
    for record in log.scan(after_seq + 1):
        if record.seq > last_seq:
            break
        if record.kind in _TOUCHING_KINDS:
            touched.update(s for s in _subjects(record.kind, record.payload) if s in capsule_ids)
    return touched


def _history(
    log: EventLog, capsule_ids: set[str], last_seq: int, keep: int
) -> dict[str, deque[BundleEvent]]:
    """Each capsule's latest ``keep`` justifying events, from one pass over the log up to
    ``last_seq`` (the view's: later records are left out)."""
    history: dict[str, deque[BundleEvent]] = {}
    if not capsule_ids:
        return history
    for record in log.scan():
        if record.seq > last_seq:
            break
        if record.kind not in JUSTIFYING_KINDS:
            continue
        for subject in _subjects(record.kind, record.payload):
            if subject in capsule_ids:
                history.setdefault(subject, deque(maxlen=keep)).append(
                    BundleEvent(
                        seq=record.seq, ts=record.ts, kind=record.kind, payload=record.payload
                    )
                )
    return history


def _attestations(
    log: EventLog, view: EvolutionView, capsules: Sequence[Capsule], identity: NodeIdentity
) -> list[CapsuleAttestation]:
    """Who wrote each capsule: this node for its own captures, and for a forwarded one the
    author's attestation it arrived with (none, when it arrived without one)."""
    own = [c for c in capsules if view.capsules[c.capsule_id].imported_from is None]
    attestations = [attest(identity, c) for c in own]
    forwarded = {c.capsule_id for c in capsules} - {c.capsule_id for c in own}
    if forwarded:
        for record in log.scan():
            if (
                record.kind == "remote_asset_imported"
                and record.payload.get("asset_id") in forwarded
            ):
                stored = stored_attestation(record.payload)
                if stored is not None:
                    attestations.append(stored)
                    forwarded.discard(stored.capsule_id)
            if record.seq >= view.last_seq or not forwarded:
                break
    return sorted(attestations, key=lambda a: a.capsule_id)
