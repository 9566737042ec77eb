"""Checks that each asset a peer sent is what it says it is, before anything is written.

Ids here are content addresses, so a receiver can recompute them: a gene id from its
signature, a capsule's diff hash from its diff, a capsule id from its gene id and diff hash.
An asset whose id does not match its content could later shadow a genuine local capture
with the same id, so it is refused. Diffs must parse and stay inside the repository (the
sandbox refuses hostile diffs again before any replay; this refuses them at the door).
The blast radius a sender reports is never used: it is recomputed from the diff.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from pathlib import PurePosixPath

from evokernel.adapters.network.bundle import BundleEvent
from evokernel.adapters.network.errors import BundleContentError
from evokernel.application.kernel.fingerprint import diff_hash
from evokernel.domain.diffparse import DiffParseError, parse_diff
from evokernel.domain.events import parse_event
from evokernel.domain.ids import content_id
from evokernel.domain.models import Capsule, Gene
from evokernel.domain.signals import gene_id_for
from evokernel.errors import EventPayloadError, UnknownEventKindError
from sandbox import BlastRadius

JUSTIFYING_KINDS = frozenset(
    {"validation_completed", "replay_attempted", "capsule_reused", "asset_state_changed"}
)
"""Event kinds a bundle may carry as justification (never approvals: they name people)."""

_ASSET_KEYS = ("capsule_id", "asset_id")


def check_gene(gene: Gene) -> None:
    """Raises ``BundleContentError`` unless ``gene.gene_id`` is the id of its signature."""
    try:
        expected = gene_id_for(gene.signature)
    except ValueError as exc:
        raise BundleContentError(gene.gene_id, "gene has an empty signature") from exc
    if expected != gene.gene_id:
        raise BundleContentError(gene.gene_id, f"gene id does not match its signature ({expected})")


def check_capsule(capsule: Capsule, gene_ids: Collection[str]) -> None:
    """Raises ``BundleContentError`` unless the capsule's ids match its content, its gene
    travels with it, and its diff parses and stays inside the repository."""
    cid = capsule.capsule_id
    if capsule.gene_id not in gene_ids:
        raise BundleContentError(cid, f"its gene {capsule.gene_id} is not in the bundle")
    digest = diff_hash(capsule.diff)
    if digest != capsule.diff_hash:
        raise BundleContentError(cid, "diff_hash does not match the diff")
    # The same formula as capture's solidify step: the id is the address of (gene, diff).
    expected = content_id("capsule", {"gene_id": capsule.gene_id, "diff_hash": digest})
    if expected != cid:
        raise BundleContentError(cid, f"capsule id does not match its content ({expected})")
    for path in _diff_paths(cid, capsule.diff):
        reason = _unsafe(path)
        if reason is not None:
            raise BundleContentError(cid, f"diff path {path!r} {reason}")
    problem = _bad_number(capsule)
    if problem is not None:
        raise BundleContentError(cid, problem)


MAX_CAPTURE_SECONDS = 30 * 24 * 3600.0
"""Largest capture cost (seconds) a bundle may claim; more is not a real capture."""
MAX_CAPTURE_TOKENS = 10**9
"""Largest token count a bundle may claim for one capsule."""


def _bad_number(capsule: Capsule) -> str | None:
    """Why a number a peer sent about ``capsule`` cannot be stored, or ``None``.

    These numbers are never counted as savings here (docs/network.md), but they are stored
    and shown, so a negative, infinite or absurd one is refused at the door rather than left
    to break a later run.
    """
    seconds = capsule.capture_seconds
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_CAPTURE_SECONDS:
        return f"capture_seconds {seconds!r} is not between 0 and {MAX_CAPTURE_SECONDS:.0f}"
    tokens = capsule.capture_tokens
    if tokens is not None and not 0 <= tokens <= MAX_CAPTURE_TOKENS:
        return f"capture_tokens {tokens!r} is not between 0 and {MAX_CAPTURE_TOKENS}"
    duration = capsule.evidence.duration_s
    if not math.isfinite(duration) or duration < 0:
        return f"evidence.duration_s {duration!r} is not a finite, non-negative number"
    return None


def recomputed_blast_radius(diff: str) -> BlastRadius:
    """Files and lines a diff changes, counted from the diff itself."""
    files: set[str] = set()
    added = removed = 0
    for change in parse_diff(diff):
        files.update(change.paths)
        for hunk in change.hunks:
            added += sum(1 for line in hunk.lines if line.startswith("+"))
            removed += sum(1 for line in hunk.lines if line.startswith("-"))
    return BlastRadius(files=sorted(files), lines_added=added, lines_removed=removed)


def check_events(events: Sequence[BundleEvent], asset_ids: Iterable[str]) -> None:
    """Raises ``BundleContentError`` unless every event is a known justifying kind, parses,
    and is about an asset of the bundle."""
    known = set(asset_ids)
    for event in events:
        where = f"event seq {event.seq}"
        if event.kind not in JUSTIFYING_KINDS:
            raise BundleContentError(where, f"kind {event.kind!r} may not travel in a bundle")
        try:
            parse_event(event)
        except (UnknownEventKindError, EventPayloadError) as exc:
            raise BundleContentError(where, str(exc)) from exc
        subject = next((event.payload[k] for k in _ASSET_KEYS if k in event.payload), None)
        if subject not in known:
            raise BundleContentError(where, f"is about {subject!r}, which is not in the bundle")


def _diff_paths(capsule_id: str, diff: str) -> list[str]:
    try:
        changes = parse_diff(diff)
    except DiffParseError as exc:
        raise BundleContentError(capsule_id, f"diff does not parse: {exc}") from exc
    if not changes:
        raise BundleContentError(capsule_id, "diff changes no file")
    return [path for change in changes for path in change.paths]


def _unsafe(path: str) -> str | None:
    if path.startswith("/") or "\\" in path or "\x00" in path:
        return "is not a plain relative path"
    parts = PurePosixPath(path).parts
    if ".." in parts:
        return "leaves the repository"
    if any(part.lower() == ".git" for part in parts):
        return "writes into .git"
    return None
