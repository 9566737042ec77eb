"""The word search's shortcut (every word held) ranks as counting every posting does."""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from evokernel.adapters.mcpserver.search import WordIndex
from evokernel.application.projection import ViewBuilder
from evokernel.domain.models import AssetState
from tests.evokernel.samples import capsule

VOCABULARY = ["missing", "field", "model", "guard", "cart", "total", "null", "rounding"]


def counted(index: WordIndex, words: set[str], limit: int) -> list[tuple[str, float]]:
    """The ranking by the definition: share of the words held, best first, ties by id."""
    shares = index.shares(words)
    return heapq.nsmallest(limit, shares.items(), key=lambda row: (-row[1], row[0]))


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=5), min_size=1, max_size=40
    ),
    words=st.sets(st.sampled_from([*VOCABULARY, "absent"]), min_size=1, max_size=4),
    limit=st.integers(1, 8),
)
def test_best_ranks_as_counting_every_posting_does(
    texts: list[list[str]], words: set[str], limit: int
) -> None:
    builder = ViewBuilder()
    for n, text in enumerate(texts, start=1):
        found = capsule(n, 1).model_copy(update={"intent": " ".join(text)})
        builder.commit_capsule(found, AssetState.CANDIDATE, validated=False)
    index = WordIndex()
    index.update(builder.freeze())

    assert index.best(words, limit) == counted(index, words, limit)
