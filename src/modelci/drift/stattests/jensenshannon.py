"""Jensen-Shannon distance between the two distributions of shares (categorical or numeric).

Evidently's default for categorical columns with a reference above 1,000 rows: drift when the
distance (natural log) is at least 0.1. Numeric columns are binned as `binning.shares` says.
"""

from __future__ import annotations

from scipy.spatial.distance import jensenshannon

from modelci.drift.stattests.base import ColumnKind, Sample, StatTest
from modelci.drift.stattests.binning import shares


def jensenshannon_distance(sample: Sample) -> float:
    reference, current = shares(sample, fill_zeroes=False)
    return float(jensenshannon(reference, current))


JENSENSHANNON = StatTest(
    name="jensenshannon",
    title="Jensen-Shannon distance",
    statistic="distance",
    kinds=frozenset({ColumnKind.NUMERIC, ColumnKind.CATEGORICAL}),
    default_threshold=0.1,
    drift_when="at_or_above",
    compute=jensenshannon_distance,
)
