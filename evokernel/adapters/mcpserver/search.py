"""``search``: stored capsules for a failure, ranked as replay ranks them (pure, reads a view).

The query is read three ways, first match wins:

1. a capsule id (``capsule_...``): that capsule, or ``AssetNotFoundError``;
2. signals: ``kind:value`` words the query names, plus whatever the signal extractors find
   in it (a pasted traceback or pytest summary); capsules are ranked by the selector with
   replay's score (similarity x confidence x state ...) but without replay's thresholds, since
   a search shows what is near, and nothing it returns is applied;
3. words, when no strong signal is found: capsules whose intent or gene strategies hold the
   query's words, by the share of words found.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from datetime import datetime

from evokernel.adapters.mcpserver.models import SearchHit, SearchResult
from evokernel.application.kernel import KernelSettings
from evokernel.domain.confidence import confidence
from evokernel.domain.selection import CandidateCapsule, SignalIndex, rank_candidates
from evokernel.domain.signals import SignalKind, extract_signals, failure_signature
from evokernel.domain.views import CapsuleView, EvolutionView
from evokernel.errors import AssetNotFoundError

_KINDS = "|".join(sorted((re.escape(kind.value) for kind in SignalKind), key=len, reverse=True))
_SIGNAL_WORD = re.compile(rf"(?<![\w-])(?:{_KINDS}):\S+")
_WORD = re.compile(r"[a-z0-9_]{3,}")
_SHORTLIST = 8
"""Genes scored per hit wanted: the ``limit x 8`` most similar genes."""


def query_signals(query: str) -> list[str]:
    """The strong signals of a query: the ones it names and the ones extractors find in it."""
    named = _SIGNAL_WORD.findall(query)
    found = extract_signals({"query": query})
    try:
        return failure_signature([*named, *found])
    except ValueError:  # a named word that is not a well-formed signal
        return failure_signature(found)


def search_capsules(
    query: str,
    view: EvolutionView,
    index: SignalIndex,
    words_index: WordIndex,
    settings: KernelSettings,
    now: datetime,
    *,
    limit: int = 5,
) -> SearchResult:
    """Capsules for ``query`` in ``view``, best first, at most ``limit``.

    Raises:
        AssetNotFoundError: the query is a capsule id the store does not hold.
    """
    text = query.strip()
    if re.fullmatch(r"capsule_\w+", text):
        found = view.capsules.get(text)
        if found is None:
            raise AssetNotFoundError(text)
        return SearchResult(
            matched_by="capsule_id", hits=[_hit(view, found, 1.0, 1.0, settings, now)]
        )
    signals = query_signals(text)
    if signals:
        hits = _by_signals(signals, view, index, settings, now, limit)
        return SearchResult(signals=signals, matched_by="signals", hits=hits)
    hits = _by_words(text, view, words_index, settings, now, limit)
    return SearchResult(matched_by="text" if hits else "nothing", hits=hits)


def _by_signals(
    signals: list[str],
    view: EvolutionView,
    index: SignalIndex,
    settings: KernelSettings,
    now: datetime,
    limit: int,
) -> list[SearchHit]:
    def capsules_of(gene_id: str) -> list[CandidateCapsule]:
        gene = view.genes[gene_id]
        return [
            CandidateCapsule(
                capsule_id=c.capsule.capsule_id,
                gene_id=gene_id,
                gene_signature=gene.gene.signature,
                state=c.state,
                confidence=confidence(c.evidence, now, settings.confidence),
                repo_identity=c.capsule.repo_identity,
                env=c.capsule.env,
            )
            for c in view.capsules_of(gene_id)
        ]

    loose = settings.selection.model_copy(
        update={"min_similarity": 0.0, "min_gene_share": 0.0, "min_score": 0.0, "top_k": limit}
    )
    # Only the most similar genes can rank: score capsules of those alone (a common signal
    # such as an exception type may be shared by thousands of genes).
    nearest = index.similar_genes(signals, 0.0, 0.0, loose.max_posting_scan)
    shortlist = {m.gene_id: capsules_of(m.gene_id) for m in nearest[: limit * _SHORTLIST]}
    ranked = rank_candidates(signals, index, shortlist, config=loose)
    return [
        _hit(view, view.capsules[r.capsule_id], r.score, r.similarity, settings, now)
        for r in ranked
    ]


def words_of(text: str) -> set[str]:
    """The words a text search compares: lower-case, three characters or more."""
    return set(_WORD.findall(text.lower()))


class WordIndex:
    """Capsules by the words of their intent and their gene's strategies.

    Capsules are only ever added to a store, and a capsule's intent never changes, so
    ``update`` indexes only the capsules it has not seen (a gene's strategies are read when
    its capsule is first indexed).
    """

    def __init__(self) -> None:
        self._capsules: dict[str, set[str]] = {}
        self._seen: set[str] = set()

    def update(self, view: EvolutionView) -> None:
        """Index the capsules of ``view`` not indexed yet."""
        if len(self._seen) > len(view.capsules):  # the log was replaced: start again
            self._capsules, self._seen = {}, set()
        if len(self._seen) == len(view.capsules):
            return
        for capsule_id, capsule in view.capsules.items():
            if capsule_id in self._seen:
                continue
            self._seen.add(capsule_id)
            gene = view.genes.get(capsule.capsule.gene_id)
            text = " ".join(
                [capsule.capsule.intent, *(gene.gene.strategy_summaries if gene else [])]
            )
            for word in words_of(text):
                self._capsules.setdefault(word, set()).add(capsule_id)

    def shares(self, words: set[str]) -> dict[str, float]:
        """Capsule id -> share of ``words`` its text holds (capsules holding none left out)."""
        counts: Counter[str] = Counter()
        for word in words:
            counts.update(self._capsules.get(word, ()))
        return {capsule_id: count / len(words) for capsule_id, count in counts.items()}

    def best(self, words: set[str], limit: int) -> list[tuple[str, float]]:
        """The ``limit`` capsules holding the largest share of ``words``, ties by capsule id.

        Common words ("missing", "field") are held by most capsules of a store, and counting
        every posting of each costs milliseconds at 10k capsules. When at least ``limit``
        capsules hold every word, those tie at share 1.0 and the ids decide: one set
        intersection (from the rarest word) answers without counting.
        """
        postings = sorted((self._capsules.get(word, set()) for word in words), key=len)
        everywhere = postings[0].intersection(*postings[1:]) if postings else set()
        if len(everywhere) >= limit:
            return [(capsule_id, 1.0) for capsule_id in heapq.nsmallest(limit, everywhere)]
        shares = self.shares(words)
        return heapq.nsmallest(limit, shares.items(), key=lambda row: (-row[1], row[0]))


def _by_words(
    text: str,
    view: EvolutionView,
    words_index: WordIndex,
    settings: KernelSettings,
    now: datetime,
    limit: int,
) -> list[SearchHit]:
    words = words_of(text)
    if not words:
        return []
    best = words_index.best(words, limit)
    return [
        _hit(view, view.capsules[capsule_id], share, share, settings, now)
        for capsule_id, share in best
    ]


def _hit(
    view: EvolutionView,
    found: CapsuleView,
    score: float,
    similarity: float,
    settings: KernelSettings,
    now: datetime,
) -> SearchHit:
    capsule = found.capsule
    gene = view.genes.get(capsule.gene_id)
    return SearchHit(
        capsule_id=capsule.capsule_id,
        gene_id=capsule.gene_id,
        score=round(score, 6),
        similarity=round(similarity, 6),
        confidence=round(confidence(found.evidence, now, settings.confidence), 4),
        state=found.state,
        intent=capsule.intent,
        signature=list(gene.gene.signature) if gene else [],
        repo_identity=capsule.repo_identity,
        origin_run_id=capsule.origin_run_id,
        reuse_count=found.reuse_count,
    )
