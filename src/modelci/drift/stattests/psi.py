"""Population stability index (categorical or numeric; on request, not a default).

PSI = sum over bins of (ref - cur) * ln(ref / cur), empty bins filled with a small share; drift
when it is at least 0.1, as Evidently reads it (0.25 is the classic "significant shift").
"""

from __future__ import annotations

import numpy as np

from modelci.drift.stattests.base import ColumnKind, Sample, StatTest
from modelci.drift.stattests.binning import shares


def psi_value(sample: Sample) -> float:
    reference, current = shares(sample, fill_zeroes=True)
    return float(np.sum((reference - current) * np.log(reference / current)))


PSI = StatTest(
    name="psi",
    title="PSI",
    statistic="distance",
    kinds=frozenset({ColumnKind.NUMERIC, ColumnKind.CATEGORICAL}),
    default_threshold=0.1,
    drift_when="at_or_above",
    compute=psi_value,
)
