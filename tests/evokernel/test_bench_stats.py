"""The benchmarks' one percentile: nearest rank, so a p99 is always a sample that was measured."""

from __future__ import annotations

import pytest

from evokernel.adapters.bench.stats import percentile


@pytest.mark.parametrize(
    ("q", "expected"),
    [(50, 50.0), (99, 99.0), (100, 100.0), (0.5, 1.0), (1, 1.0)],
)
def test_the_nearest_rank_of_one_to_a_hundred(q: float, expected: float) -> None:
    samples = [float(n) for n in range(100, 0, -1)]  # unsorted on purpose

    assert percentile(samples, q) == expected


def test_a_single_sample_is_every_percentile() -> None:
    assert {percentile([7.0], q) for q in (1, 50, 99, 100)} == {7.0}
