"""Selection: which stored capsules might solve a failure, best first.

Genes are found through an inverted index from signals to genes (``SignalIndex``), kept up to
date by the projection one ``add`` at a time. Similarity is IDF-weighted (a signal carried by
few genes says more than ``exception:AssertionError``)::

    idf(s)      = ln((1 + N) / (1 + df(s))) + 1       N genes, df(s) genes carrying s
    overlap     = sum(idf(s) for s in query & gene)
    gene_share  = overlap / sum(idf(s) for s in gene)
    similarity  = overlap / sum(idf(s) for s in query | gene)      exact signature -> 1.0

A gene whose ``gene_share`` is below ``min_gene_share`` scores 0, so a one-signal query never
matches genes that need more than that one signal. A capsule's score multiplies::

    score = similarity x confidence x environment x repository x state x publisher

(``SelectionWeights`` documents each factor). Revoked and archived capsules are never
candidates. Lookups touch only the postings of the query's signals, rarest first, and stop
opening new postings once the signals left cannot reach ``min_similarity`` on their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from pydantic import Field

from evokernel.domain.governor import may_replay
from evokernel.domain.models import Model
from evokernel.domain.models.assets import AssetState, EnvFingerprint
from evokernel.domain.signals.base import TEST_ID_KINDS, SignalStrength, strength_of


class GeneMatch(NamedTuple):
    """A gene similar to a query."""

    gene_id: str
    similarity: float
    gene_share: float


class SignalIndex:
    """Inverted index signal -> gene ids, with IDF over genes. Mutable; not thread-safe."""

    __slots__ = ("_exact", "_postings", "_sets", "_signatures")

    def __init__(self) -> None:
        self._postings: dict[str, set[str]] = {}
        self._signatures: dict[str, tuple[str, ...]] = {}
        self._sets: dict[str, frozenset[str]] = {}
        self._exact: dict[frozenset[str], set[str]] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, gene_id: object) -> bool:
        return gene_id in self._signatures

    def add(self, gene_id: str, signature: Iterable[str]) -> None:
        """Index a gene (re-adding replaces its signature; an empty one is not indexed)."""
        self.discard(gene_id)
        ordered = tuple(sorted(set(signature)))
        if not ordered:
            return
        self._signatures[gene_id] = ordered
        self._sets[gene_id] = frozenset(ordered)
        self._exact.setdefault(self._sets[gene_id], set()).add(gene_id)
        for signal in ordered:
            self._postings.setdefault(signal, set()).add(gene_id)

    def discard(self, gene_id: str) -> None:
        """Remove a gene if present."""
        for signal in self._signatures.pop(gene_id, ()):
            posting = self._postings[signal]
            posting.discard(gene_id)
            if not posting:
                del self._postings[signal]
        gene_set = self._sets.pop(gene_id, None)
        if gene_set is not None:
            same = self._exact[gene_set]
            same.discard(gene_id)
            if not same:
                del self._exact[gene_set]

    def copy(self) -> SignalIndex:
        """An independent copy."""
        other = SignalIndex()
        other._postings = {signal: set(genes) for signal, genes in self._postings.items()}
        other._signatures = dict(self._signatures)
        other._sets = dict(self._sets)
        other._exact = {key: set(genes) for key, genes in self._exact.items()}
        return other

    def signature(self, gene_id: str) -> tuple[str, ...] | None:
        """A gene's indexed signature, sorted."""
        return self._signatures.get(gene_id)

    def genes_for(self, signals: Iterable[str]) -> set[str]:
        """Every gene that carries at least one of ``signals`` (no ranking, no threshold)."""
        found: set[str] = set()
        for signal in set(signals):
            found |= self._postings.get(signal, set())
        return found

    def idf(self, signal: str) -> float:
        """Smoothed inverse document frequency of ``signal`` over the indexed genes."""
        frequency = len(self._postings.get(signal, ()))
        return math.log((1 + len(self._signatures)) / (1 + frequency)) + 1.0

    def similar_genes(
        self,
        signals: Iterable[str],
        min_similarity: float,
        min_gene_share: float,
        max_posting_scan: int | None = None,
    ) -> list[GeneMatch]:
        """Genes with ``similarity >= min_similarity`` and ``gene_share >= min_gene_share``.

        A posting longer than ``max_posting_scan`` (a stop signal, such as an exception type
        half the genes carry) only adds weight to genes found through rarer signals; a gene
        whose signature equals the query is always found. Sorted by similarity (highest
        first), then gene id.
        """
        weights = {signal: self.idf(signal) for signal in set(signals)}
        if not weights:
            return []
        query = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
        query_set = frozenset(weights)
        query_mass = sum(weight for _signal, weight in query)
        remaining = query_mass
        overlap: dict[str, float] = dict.fromkeys(self._exact.get(query_set, ()), 0.0)
        for signal, weight in query:
            posting = self._postings.get(signal, ())
            # A gene first met here can overlap at most ``remaining``: skip it if too little.
            opens = remaining >= min_similarity * query_mass * (1 - 1e-9)
            if opens and (max_posting_scan is None or len(posting) <= max_posting_scan):
                for gene_id in posting:
                    overlap[gene_id] = overlap.get(gene_id, 0.0) + weight
            else:
                for gene_id in overlap:
                    if gene_id in posting:
                        overlap[gene_id] += weight
            remaining -= weight
        matches: list[GeneMatch] = []
        for gene_id, shared in overlap.items():
            gene_set = self._sets[gene_id]
            if gene_set == query_set:
                matches.append(GeneMatch(gene_id, 1.0, 1.0))
                continue
            gene_mass = 0.0
            for signal in self._signatures[gene_id]:
                weight = weights.get(signal) or weights.setdefault(signal, self.idf(signal))
                gene_mass += weight
            gene_share = shared / gene_mass
            similarity = shared / (gene_mass + query_mass - shared)
            if gene_share >= min_gene_share and similarity >= min_similarity:
                matches.append(GeneMatch(gene_id, similarity, gene_share))
        matches.sort(key=lambda m: (-m.similarity, m.gene_id))
        return matches


def _default_state_weights() -> dict[AssetState, float]:
    return {AssetState.PROMOTED: 1.0, AssetState.CANDIDATE: 0.8, AssetState.QUARANTINED: 0.5}


class SelectionWeights(Model):
    """The factors of a capsule's score besides similarity."""

    confidence_floor: float = Field(default=0.1, ge=0.0, le=1.0)
    """Confidence factor = floor + (1 - floor) x confidence: no capsule is zeroed by it alone."""
    environment_floor: float = Field(default=0.5, ge=0.0, le=1.0)
    """Environment factor = floor + (1 - floor) x share of comparable fields that match
    (image, runtime major.minor versions, lockfile hashes, os, arch); 1.0 when none compare."""
    other_repository: float = Field(default=0.8, ge=0.0, le=1.0)
    """Repository factor for a capsule captured in another repository (same one: 1.0)."""
    state: dict[AssetState, float] = Field(default_factory=_default_state_weights)
    """State factor; states not listed (and always revoked, archived) are never candidates."""
    publisher_floor: float = Field(default=0.2, ge=0.0, le=1.0)
    """Publisher factor = floor + (1 - floor) x the publisher's reputation, for a capsule
    imported from a peer (reputation is 0.5 with no history, see ``economics.reputation``);
    a local capsule's factor is 1.0."""


class SelectionConfig(Model):
    """Thresholds and weights of selection (per project)."""

    min_similarity: float = Field(default=0.4, ge=0.0, le=1.0)
    """Genes less similar than this to the query are not candidates."""
    min_gene_share: float = Field(default=0.6, ge=0.0, le=1.0)
    """Share of a gene's IDF mass the query must cover (the one-signal guard)."""
    min_score: float = Field(default=0.1, ge=0.0, le=1.0)
    """Capsules scoring below this are not candidates."""
    top_k: int = Field(default=3, ge=1)
    """At most this many candidates are returned."""
    max_posting_scan: int = Field(default=2000, ge=1)
    """A signal carried by more genes than this is a stop signal: it adds weight to genes
    found through rarer signals but does not open its whole posting (keeps lookups fast)."""
    weights: SelectionWeights = Field(default_factory=SelectionWeights)
    """Score factors."""


class CandidateCapsule(Model):
    """What selection needs to know about a stored capsule."""

    capsule_id: str
    """The capsule."""
    gene_id: str
    """Its gene."""
    gene_signature: list[str]
    """The gene's failure signature."""
    state: AssetState
    """Its lifecycle state."""
    confidence: float = Field(ge=0.0, le=1.0)
    """Its confidence now (``evokernel.domain.confidence``)."""
    repo_identity: str
    """Repository it was captured in."""
    env: EnvFingerprint = Field(default_factory=EnvFingerprint)
    """Environment it was validated in."""
    publisher_reputation: float | None = Field(default=None, ge=0.0, le=1.0)
    """Reputation of the peer it was imported from; ``None`` for a local capsule."""


class RankedCandidate(Model):
    """A capsule worth replaying, with how its score was made."""

    capsule_id: str
    """The capsule."""
    gene_id: str
    """Its gene."""
    score: float
    """Product of the components; candidates are ordered by it."""
    similarity: float
    """Signal similarity of its gene to the query (1.0: same signature)."""
    components: dict[str, float]
    """``similarity``, ``gene_share``, ``confidence``, ``environment``, ``repository``,
    ``state``, ``publisher``: the factors of ``score`` (``gene_share`` is shown, not
    multiplied)."""


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def environment_match(capsule_env: EnvFingerprint, env: EnvFingerprint | None) -> float | None:
    """Share of comparable environment fields that match; ``None`` when none compare."""
    if env is None:
        return None
    pairs: list[tuple[str, str]] = []
    if capsule_env.image_id and env.image_id:
        pairs.append((capsule_env.image_id, env.image_id))
    for name in sorted(capsule_env.runtime.keys() & env.runtime.keys()):
        pairs.append((_major_minor(capsule_env.runtime[name]), _major_minor(env.runtime[name])))
    for path in sorted(capsule_env.lockfile_hashes.keys() & env.lockfile_hashes.keys()):
        pairs.append((capsule_env.lockfile_hashes[path], env.lockfile_hashes[path]))
    for mine, theirs in ((capsule_env.os, env.os), (capsule_env.arch, env.arch)):
        if mine and theirs:
            pairs.append((mine, theirs))
    if not pairs:
        return None
    return sum(a == b for a, b in pairs) / len(pairs)


CapsuleSource = (
    Mapping[str, Sequence[CandidateCapsule]] | Callable[[str], Iterable[CandidateCapsule]]
)
"""Capsules of a gene: a mapping gene id -> capsules, or a function called only for genes that
matched (so a caller with many capsules builds ``CandidateCapsule`` values lazily)."""


def rank_candidates(
    signals: Iterable[str],
    index: SignalIndex,
    capsules_by_gene: CapsuleSource,
    *,
    repo_identity: str | None = None,
    env: EnvFingerprint | None = None,
    config: SelectionConfig | None = None,
) -> list[RankedCandidate]:
    """Capsules for the failure described by ``signals``, best first, at most ``top_k``.

    Weak signals in ``signals`` are ignored (genes are keyed by strong ones only). Order:
    score, then similarity (both descending), then capsule id: deterministic.
    """
    config = config or SelectionConfig()
    strong = [s for s in signals if _keyed(s.partition(":")[0])]
    scored: list[tuple[float, float, str, CandidateCapsule, dict[str, float]]] = []
    matches = index.similar_genes(
        strong, config.min_similarity, config.min_gene_share, config.max_posting_scan
    )
    for match in matches:
        if isinstance(capsules_by_gene, Mapping):
            capsules: Iterable[CandidateCapsule] = capsules_by_gene.get(match.gene_id, ())
        else:
            capsules = capsules_by_gene(match.gene_id)
        for capsule in capsules:
            components = _components(match, capsule, repo_identity, env, config.weights)
            if components is None:
                continue
            score = math.prod(components[name] for name in _FACTORS)
            if score >= config.min_score:
                scored.append((-score, -match.similarity, capsule.capsule_id, capsule, components))
    scored.sort(key=lambda row: row[:3])
    return [
        RankedCandidate(
            capsule_id=capsule.capsule_id,
            gene_id=capsule.gene_id,
            score=-neg_score,
            similarity=-neg_similarity,
            components=components,
        )
        for neg_score, neg_similarity, _id, capsule, components in scored[: config.top_k]
    ]


def _keyed(kind: str) -> bool:
    """Kinds a signature may hold: strong ones, and test ids (a signature's fallback key)."""
    return strength_of(kind) is SignalStrength.STRONG or kind in TEST_ID_KINDS


_FACTORS = ("similarity", "confidence", "environment", "repository", "state", "publisher")


def _components(
    match: GeneMatch,
    capsule: CandidateCapsule,
    repo_identity: str | None,
    env: EnvFingerprint | None,
    weights: SelectionWeights,
) -> dict[str, float] | None:
    """The score factors of one capsule; ``None`` when it may not be a candidate at all."""
    state_factor = weights.state.get(capsule.state, 0.0)
    if not may_replay(capsule.state) or state_factor <= 0.0:
        return None
    env_share = environment_match(capsule.env, env)
    env_floor = weights.environment_floor
    same_repo = repo_identity is None or capsule.repo_identity == repo_identity
    reputation = capsule.publisher_reputation
    floor = weights.publisher_floor
    return {
        "similarity": match.similarity,
        "gene_share": match.gene_share,
        "confidence": weights.confidence_floor
        + (1.0 - weights.confidence_floor) * capsule.confidence,
        "environment": 1.0 if env_share is None else env_floor + (1.0 - env_floor) * env_share,
        "repository": 1.0 if same_repo else weights.other_repository,
        "state": state_factor,
        "publisher": 1.0 if reputation is None else floor + (1.0 - floor) * reputation,
    }


class ReplayConfig(Model):
    """How far replay looks beyond the similarity thresholds (per project)."""

    max_candidates: int = Field(default=3, ge=0)
    """Capsules below the similarity thresholds whose patch changed a function the failure's
    code-under-test frames reach (locality) that one replay may try, in ranked order, after
    the ranked candidates; validation judges each. 0 turns locality candidates off."""
