"""Selection: IDF-weighted similarity through the inverted index, and capsule ranking."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from evokernel.domain.models.assets import AssetState, EnvFingerprint
from evokernel.domain.selection import (
    CandidateCapsule,
    SelectionConfig,
    SignalIndex,
    environment_match,
    rank_candidates,
)

ASSERT = "exception:AssertionError"
ENV = EnvFingerprint(image_id="sha256:aa", runtime={"python": "3.11.7"}, os="linux", arch="x86_64")


def capsule(
    number: int,
    signature: list[str],
    state: AssetState = AssetState.PROMOTED,
    confidence: float = 0.8,
    repo: str = "acme/shop",
    env: EnvFingerprint = ENV,
) -> CandidateCapsule:
    return CandidateCapsule(
        capsule_id=f"capsule_{number:03d}",
        gene_id=f"gene_{'|'.join(sorted(signature))}",
        gene_signature=signature,
        state=state,
        confidence=confidence,
        repo_identity=repo,
        env=env,
    )


def catalog(
    capsules: list[CandidateCapsule],
) -> tuple[SignalIndex, dict[str, list[CandidateCapsule]]]:
    index = SignalIndex()
    by_gene: dict[str, list[CandidateCapsule]] = {}
    for item in capsules:
        index.add(item.gene_id, item.gene_signature)
        by_gene.setdefault(item.gene_id, []).append(item)
    return index, by_gene


def many_tests_failing_with_assertions(count: int) -> list[CandidateCapsule]:
    return [capsule(n, [ASSERT, f"test-failed:tests/test_{n}.py::test_x"]) for n in range(count)]


def test_exact_signature_has_similarity_one_and_ranks_first() -> None:
    capsules = many_tests_failing_with_assertions(20)
    index, by_gene = catalog(capsules)
    query = capsules[7].gene_signature
    ranked = rank_candidates(query, index, by_gene, repo_identity="acme/shop", env=ENV)
    assert ranked[0].capsule_id == "capsule_007"
    assert ranked[0].similarity == 1.0
    assert ranked[0].components["similarity"] == 1.0
    assert len(ranked) == 1  # the other genes share only the common signal


def test_one_signal_query_does_not_match_everything() -> None:
    index, by_gene = catalog(many_tests_failing_with_assertions(50))
    assert rank_candidates([ASSERT], index, by_gene) == []
    assert len(index.genes_for([ASSERT])) == 50  # the raw postings do hold them all


def test_rare_shared_signal_counts_more_than_a_common_one() -> None:
    capsules = [
        *many_tests_failing_with_assertions(30),
        capsule(100, [ASSERT, "missing-module:yaml", "test-failed:tests/test_a.py::t"]),
        capsule(101, ["exception:ModuleNotFoundError", "missing-module:yaml"]),
    ]
    index, by_gene = catalog(capsules)
    assert index.idf("missing-module:yaml") > index.idf(ASSERT)
    query = ["exception:ModuleNotFoundError", "missing-module:yaml", ASSERT]
    ranked = rank_candidates(query, index, by_gene)
    assert [c.capsule_id for c in ranked][:1] == ["capsule_101"]


def test_revoked_and_archived_are_never_candidates() -> None:
    signature = ["exception:KeyError", "missing-key:sku"]
    capsules = [
        capsule(1, signature, state=AssetState.REVOKED, confidence=1.0),
        capsule(2, signature, state=AssetState.ARCHIVED, confidence=1.0),
        capsule(3, signature, state=AssetState.QUARANTINED, confidence=0.2),
    ]
    index, by_gene = catalog(capsules)
    generous = SelectionConfig.model_validate(
        {"min_score": 0.0, "weights": {"state": {s.value: 1.0 for s in AssetState}}}
    )
    ranked = rank_candidates(signature, index, by_gene, config=generous)
    assert [c.capsule_id for c in ranked] == ["capsule_003"]


def test_score_prefers_same_repo_promoted_confident_matching_env() -> None:
    signature = ["exception:KeyError", "missing-key:sku"]
    other_env = EnvFingerprint(image_id="sha256:bb", runtime={"python": "3.12.1"}, os="linux")
    capsules = [
        capsule(1, signature),
        capsule(2, signature, repo="someone/else"),
        capsule(3, signature, state=AssetState.CANDIDATE),
        capsule(4, signature, confidence=0.4),
        capsule(5, signature, env=other_env),
    ]
    index, by_gene = catalog(capsules)
    config = SelectionConfig(top_k=10)
    ranked = rank_candidates(
        signature, index, by_gene, repo_identity="acme/shop", env=ENV, config=config
    )
    assert ranked[0].capsule_id == "capsule_001"
    assert {c.capsule_id for c in ranked} == {f"capsule_00{n}" for n in range(1, 6)}
    by_id = {c.capsule_id: c for c in ranked}
    for weaker in ("capsule_002", "capsule_003", "capsule_004", "capsule_005"):
        assert by_id[weaker].score < by_id["capsule_001"].score
    assert by_id["capsule_002"].components["repository"] == 0.8
    assert by_id["capsule_005"].components["environment"] < 1.0
    for candidate in ranked:
        product = math.prod(
            candidate.components[k]
            for k in ("similarity", "confidence", "environment", "repository", "state")
        )
        assert math.isclose(candidate.score, product)


def test_top_k_and_min_score_bound_the_result() -> None:
    signature = ["exception:KeyError", "missing-key:sku"]
    capsules = [capsule(n, signature, confidence=n / 10) for n in range(10)]
    index, by_gene = catalog(capsules)
    ranked = rank_candidates(signature, index, by_gene, config=SelectionConfig(top_k=4))
    assert [c.capsule_id for c in ranked] == [
        "capsule_009",
        "capsule_008",
        "capsule_007",
        "capsule_006",
    ]
    strict = SelectionConfig(top_k=10, min_score=0.75)
    assert all(c.score >= 0.75 for c in rank_candidates(signature, index, by_gene, config=strict))


def test_environment_match_compares_only_known_fields() -> None:
    assert environment_match(ENV, None) is None
    assert environment_match(EnvFingerprint(), ENV) is None
    patch_level = ENV.model_copy(update={"runtime": {"python": "3.11.2"}})
    assert environment_match(ENV, patch_level) == 1.0
    assert environment_match(ENV, ENV.model_copy(update={"arch": "aarch64"})) == 0.75


def test_stop_signals_do_not_open_their_posting_but_exact_matches_are_found() -> None:
    capsules = [*many_tests_failing_with_assertions(30), capsule(99, [ASSERT])]
    index, _by_gene = catalog(capsules)
    matches = index.similar_genes([ASSERT], 0.4, 0.6, max_posting_scan=5)
    assert [m.gene_id for m in matches] == [f"gene_{ASSERT}"]


def test_index_add_replace_discard_and_copy() -> None:
    index = SignalIndex()
    index.add("g1", ["b:1", "a:1", "a:1"])
    assert index.signature("g1") == ("a:1", "b:1")
    copy = index.copy()
    index.add("g1", ["c:1"])
    assert index.genes_for(["a:1"]) == set() and index.genes_for(["c:1"]) == {"g1"}
    assert copy.genes_for(["a:1"]) == {"g1"}
    index.discard("g1")
    assert len(index) == 0 and "g1" not in index
    index.add("empty", [])
    assert "empty" not in index


_SIGNAL = st.sampled_from(
    [ASSERT, "exception:KeyError", "lint:F401", "missing-module:yaml", "missing-key:sku"]
    + [f"test-failed:t.py::t{n}" for n in range(8)]
)
_SIGNATURE = st.lists(_SIGNAL, min_size=1, max_size=5, unique=True)


def _brute_force(
    index: SignalIndex, genes: dict[str, list[str]], query: list[str], min_sim: float, share: float
) -> dict[str, float]:
    weights = {s: index.idf(s) for s in {*query, *(s for sig in genes.values() for s in sig)}}
    out = {}
    for gene_id, signature in genes.items():
        shared = sum(weights[s] for s in set(signature) & set(query))
        gene_mass = sum(weights[s] for s in set(signature))
        union = sum(weights[s] for s in set(signature) | set(query))
        similarity = 1.0 if set(signature) == set(query) else shared / union
        if shared and shared / gene_mass >= share and similarity >= min_sim:
            out[gene_id] = similarity
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(_SIGNATURE, min_size=1, max_size=25), _SIGNATURE, st.floats(0.05, 0.9))
def test_pruned_lookup_equals_brute_force(
    signatures: list[list[str]], query: list[str], min_similarity: float
) -> None:
    index = SignalIndex()
    genes = {f"g{n}": signature for n, signature in enumerate(signatures)}
    for gene_id, signature in genes.items():
        index.add(gene_id, signature)
    found = {m.gene_id: m.similarity for m in index.similar_genes(query, min_similarity, 0.5)}
    expected = _brute_force(index, genes, query, min_similarity, 0.5)
    assert found.keys() == expected.keys()
    for gene_id, similarity in found.items():
        assert math.isclose(similarity, expected[gene_id])
        assert 0.0 < similarity <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(_SIGNATURE, min_size=1, max_size=15), _SIGNATURE, st.randoms())
def test_ranking_does_not_depend_on_insertion_order(
    signatures: list[list[str]], query: list[str], rnd: random.Random
) -> None:
    capsules = [capsule(n, sig, confidence=0.5 + (n % 5) / 10) for n, sig in enumerate(signatures)]
    shuffled = list(capsules)
    rnd.shuffle(shuffled)
    config = SelectionConfig(top_k=50, min_score=0.0, min_similarity=0.1, min_gene_share=0.1)
    first = rank_candidates(query, *catalog(capsules), config=config)
    second = rank_candidates(query, *catalog(shuffled), config=config)
    assert first == second


def test_weak_query_signals_are_ignored_and_capsules_can_come_from_a_function() -> None:
    signature = ["exception:KeyError", "missing-key:sku"]
    capsules = [capsule(1, signature), *many_tests_failing_with_assertions(5)]
    index, by_gene = catalog(capsules)
    asked: list[str] = []

    def capsules_for(gene_id: str) -> list[CandidateCapsule]:
        asked.append(gene_id)
        return by_gene.get(gene_id, [])

    query = [*signature, "exception-message:KeyError: 'sku'", "error:something weak"]
    ranked = rank_candidates(query, index, capsules_for)
    assert [c.capsule_id for c in ranked] == ["capsule_001"]
    assert ranked[0].similarity == 1.0
    assert asked == [capsules[0].gene_id]  # only matching genes are looked up
