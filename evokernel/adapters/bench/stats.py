"""The one percentile the benchmarks report, so a ``p99`` means the same in every figure."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``q`` % at or below it.

    Args:
        values: The samples (at least one).
        q: The percentile, in (0, 100].
    """
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]
