"""Histograms as /metrics gives them: properties of the quantile and of cumulative buckets."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from modelci.analysis import Histogram
from modelci.analysis.series import LATENCY_BUCKETS

BOUNDS = (*LATENCY_BUCKETS, math.inf)
COUNTS = st.lists(st.integers(0, 1000), min_size=len(BOUNDS), max_size=len(BOUNDS)).filter(
    lambda counts: sum(counts) > 0
)


@given(COUNTS, st.floats(0.01, 0.99), st.floats(0.01, 0.99))
def test_quantiles_rise_with_q_and_stay_in_the_buckets_range(
    counts: list[int], low: float, high: float
) -> None:
    histogram = Histogram(BOUNDS, tuple(counts))
    low, high = sorted((low, high))
    assert 0 <= histogram.quantile(low) <= histogram.quantile(high) <= LATENCY_BUCKETS[-1]


@given(COUNTS)
def test_cumulative_buckets_round_trip(counts: list[int]) -> None:
    running = 0
    cumulative = {}
    for bound, count in zip(BOUNDS, counts, strict=True):
        running += count
        cumulative[bound] = float(running)
    assert Histogram.from_cumulative(cumulative).counts == tuple(counts)
