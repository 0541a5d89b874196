"""Classification metrics on many bootstrap resamples at once, from category counts.

A bootstrap resample draws n rows with replacement. Every metric here depends on a resample only
through how many of its rows fall in each *category*: rows that are interchangeable for all six
metrics. A category is a label (0 or 1) within a *level*: a run of rows sorted by score that
(a) share one score, when any of them is a positive, or (b) are negatives only, between two
positives' scores and on one side of the decision threshold (their order among themselves changes
no metric). With 300 positives in 20,000 rows that is at most ~600 categories (319 on the
reference pipeline) instead of 20,000 rows, so metrics are sums over (resamples, categories)
arrays, never a sort per resample.

Each value equals sklearn.metrics' on the same rows: `zero_division=0` for precision, recall and
F1; ties in score count half for ROC AUC and form one threshold for average precision; ROC AUC and
average precision are NaN (undefined) when a resample has one class only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from modelci.stats.intervals import METRIC_NAMES

Array = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Levels:
    """One side's predictions compressed to score levels (ascending score).

    `category[i]` is input row i's category, `2 * level + label`, so a resample's counts per
    category reshape to (resamples, levels, 2): negatives then positives per level.
    """

    flagged: Array  # (levels,) 1.0 where the level's scores are >= the threshold
    category: Indices  # (rows,) category of each input row

    @classmethod
    def build(cls, labels: npt.ArrayLike, scores: npt.ArrayLike, threshold: float) -> Levels:
        y = np.asarray(labels).astype(bool)
        s = np.asarray(scores, dtype=np.float64)
        order = np.argsort(s, kind="stable")
        sorted_scores, sorted_y = s[order], y[order]
        # Distinct scores, and whether each holds a positive and is at or above the threshold.
        new_score = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
        score_id = np.cumsum(new_score) - 1
        has_positive = np.zeros(score_id[-1] + 1 if len(s) else 0, dtype=bool)
        has_positive[score_id[sorted_y]] = True
        above = sorted_scores[new_score] >= threshold
        # A new level starts at every distinct score, except a negatives-only score that follows
        # another negatives-only score on the same side of the threshold.
        merge = np.r_[False, ~has_positive[1:] & ~has_positive[:-1] & (above[1:] == above[:-1])]
        level_of_score = np.cumsum(~merge) - 1
        category = np.empty(len(s), dtype=np.intp)
        category[order] = 2 * level_of_score[score_id] + sorted_y
        flagged = np.zeros(level_of_score[-1] + 1 if len(s) else 0)
        flagged[level_of_score] = above
        return cls(flagged=flagged, category=category)

    @property
    def n_categories(self) -> int:
        return 2 * len(self.flagged)


@dataclass(frozen=True)
class Counts:
    """Rows per category in each resample, (resamples, categories), for one side's Levels."""

    levels: Levels
    counts: Array

    @cached_property
    def by_level(self) -> tuple[Array, Array]:
        """Positives and negatives per level, (resamples, levels) each."""
        return self.counts[:, 1::2], self.counts[:, 0::2]

    # Cached: f1, precision, recall and accuracy share one confusion matrix per resample.
    @cached_property
    def confusion(self) -> tuple[Array, Array, Array, Array]:
        """tp, fp, fn, tn per resample."""
        positives, negatives = self.by_level
        flagged = self.levels.flagged
        tp, fp = positives @ flagged, negatives @ flagged
        return tp, fp, positives.sum(axis=1) - tp, negatives.sum(axis=1) - fp


def _ratio(numerator: Array, denominator: Array, undefined: float) -> Array:
    out = np.full(np.shape(numerator), undefined)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def precision(c: Counts) -> Array:
    tp, fp, _, _ = c.confusion
    return _ratio(tp, tp + fp, 0.0)


def recall(c: Counts) -> Array:
    tp, _, fn, _ = c.confusion
    return _ratio(tp, tp + fn, 0.0)


def f1(c: Counts) -> Array:
    tp, fp, fn, _ = c.confusion
    return _ratio(2 * tp, 2 * tp + fp + fn, 0.0)


def accuracy(c: Counts) -> Array:
    tp, fp, fn, tn = c.confusion
    return _ratio(tp + tn, tp + fp + fn + tn, np.nan)


def roc_auc(c: Counts) -> Array:
    """P(a positive scores above a negative), ties counting half; NaN with one class."""
    positives, negatives = c.by_level
    below = np.cumsum(negatives, axis=1) - negatives
    pairs = positives.sum(axis=1) * negatives.sum(axis=1)
    return _ratio((positives * (below + 0.5 * negatives)).sum(axis=1), pairs, np.nan)


def average_precision(c: Counts) -> Array:
    """Over thresholds from the highest score down: recall gained times precision there."""
    positives, negatives = (side[:, ::-1] for side in c.by_level)
    tp = np.cumsum(positives, axis=1)
    precision_at = _ratio(tp, tp + np.cumsum(negatives, axis=1), 0.0)  # 0: no gain there either
    return _ratio((positives * precision_at).sum(axis=1), positives.sum(axis=1), np.nan)


# Registry: metric name, as the evaluate stage names it in its metrics file -> computation.
METRICS: dict[str, Callable[[Counts], Array]] = {
    "f1": f1,
    "precision": precision,
    "recall": recall,
    "accuracy": accuracy,
    "roc_auc": roc_auc,
    "average_precision": average_precision,
}


if tuple(METRICS) != METRIC_NAMES:  # pragma: no cover - a programming error, caught at import
    raise ImportError("stats._metrics.METRICS and stats.intervals.METRIC_NAMES disagree")


def full_counts(levels: Levels) -> Counts:
    """The data itself as a single 'resample': every row counted once."""
    counts = np.bincount(levels.category, minlength=levels.n_categories).astype(np.float64)
    return Counts(levels, counts[None, :])


def values(counts: Counts, names: tuple[str, ...]) -> dict[str, Array]:
    return {name: METRICS[name](counts) for name in names}
