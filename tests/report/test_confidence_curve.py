"""``confidence_curve`` says at each point what ``confidence`` says of the prefix at that time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from evokernel.domain.confidence import ConfidenceConfig, confidence, confidence_curve
from evokernel.domain.models import Evidence, EvidenceKind

_T0 = datetime(2026, 1, 1, tzinfo=UTC)

evidence_lists = st.lists(
    st.tuples(st.sampled_from(list(EvidenceKind)), st.integers(min_value=0, max_value=400 * 24)),
    max_size=25,
).map(
    lambda items: [
        Evidence(kind=kind, at=_T0 + timedelta(hours=hours), seq=i)
        for i, (kind, hours) in enumerate(sorted(items, key=lambda kv: kv[1]))
    ]
)


@given(evidence_lists)
def test_each_point_equals_the_prefix_confidence_at_its_time(evidence: list[Evidence]) -> None:
    config = ConfidenceConfig()
    curve = confidence_curve(evidence, config)
    assert len(curve) == len(evidence)
    for i, (at, value) in enumerate(curve):
        assert abs(value - confidence(evidence[: i + 1], at, config)) < 1e-9


def test_successes_raise_and_failures_lower_the_curve() -> None:
    kinds = [EvidenceKind.VALIDATED_CAPTURE, EvidenceKind.REPLAY_PASSED, EvidenceKind.REPLAY_FAILED]
    evidence = [Evidence(kind=k, at=_T0 + timedelta(days=i), seq=i) for i, k in enumerate(kinds)]
    values = [value for _, value in confidence_curve(evidence, ConfidenceConfig())]
    assert values[0] < values[1]
    assert values[2] < values[1]
