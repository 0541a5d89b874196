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
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from modelci.stats.intervals import METRIC_NAMES

Array = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Levels:
    """One side's predictions compressed to score levels (ascending score), per group.

    `category[i]` is input row i's category, `2 * level + label`, so a resample's counts per
    category reshape to (resamples, levels, 2): negatives then positives per level. Levels are
    laid out group after group (a group is a slice of the rows, resampled and scored on its own);
    `starts[g]` is group g's first level, and every group has at least one level.
    """

    flagged: Array  # (levels,) 1.0 where the level's scores are >= the threshold
    category: Indices  # (rows,) category of each input row
    starts: Indices = field(default_factory=lambda: np.zeros(1, dtype=np.intp))
    grouped: bool = False  # built with groups: metrics keep their (resamples, groups) shape

    @classmethod
    def build(
        cls,
        labels: npt.ArrayLike,
        scores: npt.ArrayLike,
        threshold: float,
        groups: npt.ArrayLike | None = None,
        n_groups: int | None = None,
    ) -> Levels:
        """Levels of rows; with `groups` (each row's group, 0 to n_groups - 1), one set per group.

        A group without rows gets one empty level, so segment sums stay aligned.
        """
        y = np.asarray(labels).astype(bool)
        s = np.asarray(scores, dtype=np.float64)
        g = np.zeros(len(s), dtype=np.intp) if groups is None else np.asarray(groups, np.intp)
        count = int(n_groups if n_groups is not None else (g.max() + 1 if len(g) else 1))
        order = np.lexsort((s, g))
        sorted_scores, sorted_y, sorted_g = s[order], y[order], g[order]
        # Distinct (group, score) pairs, and whether each holds a positive and is at or above the
        # threshold.
        new_score = np.r_[
            True, (sorted_scores[1:] != sorted_scores[:-1]) | (sorted_g[1:] != sorted_g[:-1])
        ]
        score_id = np.cumsum(new_score) - 1
        n_scores = score_id[-1] + 1 if len(s) else 0
        has_positive = np.zeros(n_scores, dtype=bool)
        has_positive[score_id[sorted_y]] = True
        above = sorted_scores[new_score] >= threshold
        group_of_score = sorted_g[new_score]
        # A new level starts at every distinct score, except a negatives-only score that follows
        # another negatives-only score of the same group on the same side of the threshold.
        merge = np.r_[
            False,
            ~has_positive[1:]
            & ~has_positive[:-1]
            & (above[1:] == above[:-1])
            & (group_of_score[1:] == group_of_score[:-1]),
        ]
        level_of_score = np.cumsum(~merge) - 1
        n_levels = level_of_score[-1] + 1 if len(s) else 0
        group_of_level = np.zeros(n_levels, dtype=np.intp)
        group_of_level[level_of_score] = group_of_score
        flagged_levels = np.zeros(n_levels)
        flagged_levels[level_of_score] = above
        # Empty groups get one level of their own: insert it before the next group's first.
        per_group = np.bincount(group_of_level, minlength=count)
        empty = np.flatnonzero(per_group == 0)
        shift = np.searchsorted(empty, group_of_level, side="right")  # empty groups before
        new_level = np.arange(n_levels) + shift
        flagged = np.zeros(n_levels + len(empty))
        flagged[new_level] = flagged_levels
        starts = np.cumsum(np.r_[0, np.maximum(per_group, 1)[:-1]]).astype(np.intp)
        category = np.empty(len(s), dtype=np.intp)
        category[order] = 2 * new_level[level_of_score[score_id]] + sorted_y
        return cls(flagged=flagged, category=category, starts=starts, grouped=groups is not None)

    @property
    def n_categories(self) -> int:
        return 2 * len(self.flagged)

    @property
    def n_groups(self) -> int:
        return len(self.starts)

    @cached_property
    def group_of_level(self) -> Indices:
        sizes = np.diff(np.r_[self.starts, len(self.flagged)])
        return np.repeat(np.arange(self.n_groups), sizes).astype(np.intp)

    @property
    def group_of_category(self) -> Indices:
        return np.repeat(self.group_of_level, 2)


@dataclass(frozen=True)
class Counts:
    """Rows per category in each resample, (resamples, categories), for one side's Levels.

    Each metric is (resamples, groups): every group's value in every resample, computed at once
    with sums over each group's run of levels.
    """

    levels: Levels
    counts: Array

    @cached_property
    def by_level(self) -> tuple[Array, Array]:
        """Positives and negatives per level, (resamples, levels) each."""
        return self.counts[:, 1::2], self.counts[:, 0::2]

    def per_group(self, per_level: Array) -> Array:
        """(resamples, levels) summed over each group's levels: (resamples, groups)."""
        return np.add.reduceat(per_level, self.levels.starts, axis=1)

    def within_group_below(self, per_level: Array) -> Array:
        """For each level, the sum over the lower levels of its own group."""
        below = np.cumsum(per_level, axis=1) - per_level
        return below - below[:, self.levels.starts][:, self.levels.group_of_level]

    @cached_property
    def totals(self) -> tuple[Array, Array]:
        """Positives and negatives per group, (resamples, groups) each."""
        positives, negatives = self.by_level
        return self.per_group(positives), self.per_group(negatives)

    # Cached: f1, precision, recall and accuracy share one confusion matrix per resample.
    @cached_property
    def confusion(self) -> tuple[Array, Array, Array, Array]:
        """tp, fp, fn, tn per resample and group."""
        positives, negatives = self.by_level
        flagged = self.levels.flagged
        tp, fp = self.per_group(positives * flagged), self.per_group(negatives * flagged)
        all_positives, all_negatives = self.totals
        return tp, fp, all_positives - tp, all_negatives - fp


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
    below = c.within_group_below(negatives)
    all_positives, all_negatives = c.totals
    return _ratio(
        c.per_group(positives * (below + 0.5 * negatives)), all_positives * all_negatives, np.nan
    )


def average_precision(c: Counts) -> Array:
    """Over thresholds from the highest score down: recall gained times precision there."""
    positives, negatives = c.by_level
    all_positives, all_negatives = c.totals
    group = c.levels.group_of_level
    # Rows scored at or above each level, within its group.
    tp = all_positives[:, group] - c.within_group_below(positives)
    fp = all_negatives[:, group] - c.within_group_below(negatives)
    precision_at = _ratio(tp, tp + fp, 0.0)  # 0: no gain there either
    return _ratio(c.per_group(positives * precision_at), all_positives, np.nan)


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
    """Each metric per resample: (resamples,), or (resamples, groups) for grouped Levels."""
    if counts.levels.grouped:
        return {name: METRICS[name](counts) for name in names}
    return {name: METRICS[name](counts)[:, 0] for name in names}
