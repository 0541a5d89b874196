"""Pearson's chi-square test of the current counts against the reference shares (categorical).

The expected counts are the reference counts scaled to the current size, as Evidently does; a
category that the reference never had expects zero and so drives the p-value to zero.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chisquare

from modelci.drift.stattests.base import ColumnKind, Sample, StatTest, counts_only


def chisquare_p_value(sample: Sample) -> float:
    counts = counts_only(sample, "chisquare")
    expected = counts.reference * (counts.current.sum() / counts.reference.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(chisquare(counts.current, expected).pvalue)


CHISQUARE = StatTest(
    name="chisquare",
    title="chi-square p-value",
    statistic="p_value",
    kinds=frozenset({ColumnKind.CATEGORICAL}),
    default_threshold=0.05,
    drift_when="below",
    compute=chisquare_p_value,
)
