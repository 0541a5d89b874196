"""Wasserstein (earth mover's) distance normed by the reference's standard deviation (numeric).

Evidently's default for references above 1,000 rows: drift when the distance is at least 0.1
reference standard deviations (the deviation floored at 0.001, as Evidently floors it).

The distance is exact and computed on the already-sorted samples through the quantile functions:
W1 = integral over t in (0, 1] of |F_ref^-1(t) - F_cur^-1(t)|. The quantile functions are steps at
i/n and j/m, so the integral is a sum over the merged breakpoints, held as integers (i*m, j*n) to
stay exact. `scipy.stats.wasserstein_distance` gives the same value (the tests hold it to that) but
re-sorts both samples and binary-searches every point: measured on 1M rows a side, 0.44 s against
0.024 s here (equal sizes) or 0.052 s (1M against 700k).
"""

from __future__ import annotations

import numpy as np

from modelci.drift.stattests.base import (
    ColumnKind,
    FloatArray,
    Sample,
    StatTest,
    numeric_only,
)

STD_FLOOR = 0.001


def wasserstein_sorted(reference: FloatArray, current: FloatArray) -> float:
    """W1 distance between two samples, each sorted ascending."""
    n, m = len(reference), len(current)
    if n == m:  # the quantile functions step together
        return float(np.abs(reference - current).mean())
    # Breakpoints i/n and j/m scaled by n*m: integers, merged by one sort of n + m values.
    steps = np.concatenate(
        [np.arange(1, n + 1, dtype=np.int64) * m, np.arange(1, m + 1, dtype=np.int64) * n]
    )
    steps.sort()
    widths = np.diff(steps, prepend=0)
    # On (steps[k-1], steps[k]] the reference quantile is value number ceil(steps[k] / m).
    ref_index = (steps + m - 1) // m - 1
    cur_index = (steps + n - 1) // n - 1
    gaps = np.abs(reference[ref_index] - current[cur_index])
    return float(np.dot(widths, gaps) / (n * m))


def wasserstein_normed(sample: Sample) -> float:
    numeric = numeric_only(sample, "wasserstein")
    norm = max(float(np.std(numeric.reference)), STD_FLOOR)
    return wasserstein_sorted(numeric.reference, numeric.current) / norm


WASSERSTEIN = StatTest(
    name="wasserstein",
    title="Wasserstein distance (normed)",
    statistic="distance",
    kinds=frozenset({ColumnKind.NUMERIC}),
    default_threshold=0.1,
    drift_when="at_or_above",
    compute=wasserstein_normed,
)
