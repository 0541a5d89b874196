"""Two-proportion Z-test (binary categorical columns with a small reference).

The proportion compared is the share of rows that are not the first category in sorted order, as
Evidently picks it; for two categories the two-sided p-value is the same whichever is chosen.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from modelci.drift.stattests.base import ColumnKind, Sample, StatTest, counts_only


def z_p_value(sample: Sample) -> float:
    counts = counts_only(sample, "z")
    present = (counts.reference > 0) | (counts.current > 0)
    if present.sum() == 1 and counts.reference[present][0] and counts.current[present][0]:
        return 1.0  # one and the same value on both sides
    first = _first_in_sorted_order(counts.labels, present)
    n_ref, n_cur = int(counts.reference.sum()), int(counts.current.sum())
    p_ref = (n_ref - int(counts.reference[first])) / n_ref
    p_cur = (n_cur - int(counts.current[first])) / n_cur
    pooled = (p_ref * n_ref + p_cur * n_cur) / (n_ref + n_cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p_ref - p_cur) / np.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur))
    return float(2 * norm.sf(abs(z)))


def _first_in_sorted_order(labels: tuple[object, ...], present: np.ndarray) -> int:
    candidates = [i for i in range(len(labels)) if present[i]]
    try:
        return min(candidates, key=lambda i: labels[i])  # type: ignore[arg-type,return-value]
    except TypeError:  # labels of mixed types do not sort: fall back to their order
        return candidates[0]


Z = StatTest(
    name="z",
    title="Z-test p-value",
    statistic="p_value",
    kinds=frozenset({ColumnKind.CATEGORICAL}),
    default_threshold=0.05,
    drift_when="below",
    compute=z_p_value,
)
