"""Two-sample Kolmogorov-Smirnov test (numeric columns; Evidently's default for small references).

Drift when the p-value is at or below the threshold (0.05), as Evidently reads it.
"""

from __future__ import annotations

from scipy.stats import ks_2samp

from modelci.drift.stattests.base import ColumnKind, Sample, StatTest, numeric_only


def ks_p_value(sample: Sample) -> float:
    numeric = numeric_only(sample, "ks")
    return float(ks_2samp(numeric.reference, numeric.current).pvalue)


KS = StatTest(
    name="ks",
    title="K-S p-value",
    statistic="p_value",
    kinds=frozenset({ColumnKind.NUMERIC}),
    default_threshold=0.05,
    drift_when="at_or_below",
    compute=ks_p_value,
)
