"""Confidence: a decayed Beta posterior over evidence; infra failures never count."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from evokernel.domain.confidence import ConfidenceConfig, confidence, decay, summarize
from evokernel.domain.models.evidence import Evidence, EvidenceKind

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CONFIG = ConfidenceConfig()
K = EvidenceKind


def ev(kind: EvidenceKind, days_ago: float = 0.0, seq: int = 0) -> Evidence:
    return Evidence(kind=kind, at=NOW - timedelta(days=days_ago), seq=seq)


def conf(*items: Evidence) -> float:
    return confidence(list(items), NOW, CONFIG)


def test_no_evidence_is_the_prior_mean() -> None:
    assert conf() == 0.5 == CONFIG.prior_mean


def test_successes_raise_and_failures_lower() -> None:
    captured = conf(ev(K.VALIDATED_CAPTURE))
    assert captured == pytest.approx(2 / 3)
    assert conf(ev(K.VALIDATED_CAPTURE), ev(K.REPLAY_PASSED)) > captured
    assert conf(ev(K.VALIDATED_CAPTURE), ev(K.HUMAN_APPROVED)) > conf(
        ev(K.VALIDATED_CAPTURE), ev(K.REPLAY_PASSED)
    )
    assert conf(ev(K.VALIDATED_CAPTURE), ev(K.REPLAY_FAILED)) < captured
    assert conf(ev(K.VALIDATED_CAPTURE), ev(K.HUMAN_REJECTED)) < conf(
        ev(K.VALIDATED_CAPTURE), ev(K.REPLAY_FAILED)
    )


def test_infra_failures_never_count() -> None:
    base = [ev(K.VALIDATED_CAPTURE), ev(K.REPLAY_PASSED)]
    with_infra = [*base, *(ev(K.INFRA_FAILURE, seq=n) for n in range(10))]
    assert confidence(with_infra, NOW, CONFIG) == confidence(base, NOW, CONFIG)
    summary = summarize(with_infra, NOW, CONFIG)
    assert summary.failures == 0 and summary.consecutive_successes == 2


def test_infra_failures_cannot_be_given_a_weight() -> None:
    with pytest.raises(ValidationError):
        ConfidenceConfig(weights={K.INFRA_FAILURE: -1.0})


def test_evidence_one_half_life_old_counts_half() -> None:
    assert decay(NOW - timedelta(days=30), NOW, 30.0) == pytest.approx(0.5)
    assert conf(ev(K.VALIDATED_CAPTURE, days_ago=30)) == pytest.approx(1.5 / 2.5)


def test_old_failures_fade_back_towards_the_prior() -> None:
    fresh = conf(ev(K.REPLAY_FAILED), ev(K.REPLAY_FAILED, seq=1))
    old = conf(ev(K.REPLAY_FAILED, 365), ev(K.REPLAY_FAILED, 365, seq=1))
    assert fresh < old < 0.5
    assert old == pytest.approx(0.5, abs=0.01)


def test_future_dated_evidence_counts_as_fresh_and_naive_times_are_utc() -> None:
    future = Evidence(kind=K.REPLAY_PASSED, at=NOW + timedelta(days=3))
    assert confidence([future], NOW, CONFIG) == conf(ev(K.REPLAY_PASSED))
    naive = Evidence(kind=K.REPLAY_PASSED, at=(NOW - timedelta(days=30)).replace(tzinfo=None))
    assert confidence([naive], NOW, CONFIG) == pytest.approx(1.5 / 2.5)


def test_streaks_follow_time_order_not_list_order() -> None:
    items = [ev(K.REPLAY_PASSED, 1), ev(K.REPLAY_FAILED, 3), ev(K.REPLAY_FAILED, 2)]
    summary = summarize(items, NOW, CONFIG)
    assert (summary.consecutive_successes, summary.consecutive_failures) == (1, 0)
    items = [ev(K.REPLAY_FAILED, 1), ev(K.REPLAY_PASSED, 5), ev(K.REPLAY_FAILED, 2)]
    summary = summarize(items, NOW, CONFIG)
    assert (summary.consecutive_successes, summary.consecutive_failures) == (0, 2)


_KIND = st.sampled_from(list(EvidenceKind))
_EVIDENCE = st.builds(
    lambda kind, days, seq: ev(kind, days, seq), _KIND, st.floats(0, 400), st.integers(0, 10**6)
)


@given(st.lists(_EVIDENCE, max_size=30))
def test_confidence_is_a_probability(items: list[Evidence]) -> None:
    value = confidence(items, NOW, CONFIG)
    assert 0.0 <= value <= 1.0 and not math.isnan(value)


@given(st.lists(_EVIDENCE, max_size=20), st.floats(0, 400))
def test_a_success_never_lowers_and_a_failure_never_raises(
    items: list[Evidence], days: float
) -> None:
    before = confidence(items, NOW, CONFIG)
    assert confidence([*items, ev(K.REPLAY_PASSED, days)], NOW, CONFIG) >= before - 1e-12
    assert confidence([*items, ev(K.REPLAY_FAILED, days)], NOW, CONFIG) <= before + 1e-12


@given(st.lists(_EVIDENCE, max_size=20), st.randoms())
def test_order_of_the_evidence_list_does_not_matter(
    items: list[Evidence], rnd: random.Random
) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert confidence(shuffled, NOW, CONFIG) == pytest.approx(confidence(items, NOW, CONFIG))
