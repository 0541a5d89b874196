"""Percentile bootstrap intervals for metrics, and for their change against a base.

Why not scipy.stats.bootstrap: it materialises every resample, (resamples, rows) draws, before a
statistic sees them. Measured on 2 shared cores with 20,000 rows and 2,000 resamples, its
resampling alone (a statistic returning zeros) took 0.29-0.57 s in batches of 250 and 1.6 s in
one batch; the per-row statistics on top brought it to 1.4-2.2 s. Drawing the *counts per category*
(see _metrics) from a multinomial instead is the same bootstrap, exactly: n rows drawn uniformly
with replacement put Multinomial(n, size_k / n) rows in category k. With the reference pipeline's
319 categories that is 0.05-0.06 s for 2,000 resamples of all six metrics (benchmarks/gates.py
prints the figures).

Paired (the base scored the same rows): each resample draws rows once and both sides' metrics are
computed on it, so the delta's interval leaves out the luck of which rows the test set holds. The
categories are then the (head category, base category) pairs that occur. Unpaired: each side is
resampled on its own, and the delta's interval holds both test sets' sampling noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelci.stats._metrics import METRICS, Array, Counts, Indices, Levels, full_counts, values
from modelci.stats._predictions import Predictions, pairing
from modelci.stats.intervals import Interval

# Resamples evaluated together: bounds memory to BATCH x categories floats per array.
BATCH = 500
# Multinomial draws cost about 8 times a uniform row draw here (measured: 0.30 s for 1,200
# categories vs 0.63 s drawing 20,000 rows, 2,000 resamples): beyond rows / 8 categories,
# drawing rows and counting them is cheaper.
_ROW_DRAW_RATIO = 8
# Grouped draws: at most this many (resample, group, category) cells at once (8 bytes each).
_GROUPED_CELLS = 4_000_000


@dataclass(frozen=True)
class MetricEstimate:
    """One metric recomputed from predictions: values on the full data and their intervals."""

    metric: str
    head_value: float
    head: Interval | None  # None when the metric is undefined on too many resamples
    base_value: float | None = None
    base: Interval | None = None
    delta: Interval | None = None
    paired: bool | None = None  # None without a base


@dataclass(frozen=True)
class Estimates:
    metrics: tuple[MetricEstimate, ...]
    resamples: int
    paired: bool | None  # None without a base
    unpaired_reason: str | None = None  # why a base could not be paired with the head


class _Sampler:
    """Draws category counts for resamples (categories in order).

    With `group_of_category`, each group is resampled on its own (its row count fixed): one
    multinomial per group, drawn for every group at once.
    """

    def __init__(
        self, category: Indices, n_categories: int, group_of_category: Indices | None = None
    ) -> None:
        self.n_rows = len(category)
        self.n_categories = n_categories
        present, self.sizes = np.unique(category, return_counts=True)
        self.present = present.astype(np.intp)
        self.category = category
        self.grouped = group_of_category is not None and int(group_of_category.max()) > 0
        if self.grouped:
            assert group_of_category is not None
            self._group_layout(group_of_category)

    def _group_layout(self, group_of_category: Indices) -> None:
        n_groups = int(group_of_category.max()) + 1
        groups = group_of_category[self.present]
        self.group_rows = np.bincount(groups, weights=self.sizes, minlength=n_groups)
        per_group = np.bincount(groups, minlength=n_groups)
        width = max(1, int(per_group.max()))
        order = np.argsort(groups, kind="stable")
        first = np.cumsum(np.r_[0, per_group[:-1]])
        rank = np.empty(len(groups), dtype=np.intp)
        rank[order] = np.arange(len(groups)) - first[groups[order]]
        # Each group's categories end its row, so the multinomial's last outcome is a real one
        # (numpy gives the last outcome whatever probability is left); the padding before it
        # has probability 0 and costs no draw.
        self.slot = (width - per_group[groups] + rank).astype(np.intp)
        self.group = groups.astype(np.intp)
        self.pvals = np.zeros((n_groups, width))
        self.pvals[self.group, self.slot] = self.sizes / self.group_rows[self.group]
        self.group_rows = self.group_rows.astype(np.int64)

    def draw(self, rng: np.random.Generator, resamples: int) -> Array:
        counts = np.zeros((resamples, self.n_categories))
        if not self.n_rows:
            return counts
        if self.grouped:
            draws = rng.multinomial(
                self.group_rows, self.pvals, size=(resamples, len(self.group_rows))
            )
            counts[:, self.present] = draws[:, self.group, self.slot]
        elif len(self.present) * _ROW_DRAW_RATIO <= self.n_rows:
            counts[:, self.present] = rng.multinomial(
                self.n_rows, self.sizes / self.n_rows, size=resamples
            )
        else:
            rows = rng.integers(0, self.n_rows, size=(resamples, self.n_rows))
            offsets = self.category[rows] + self.n_categories * np.arange(resamples)[:, None]
            flat = np.bincount(offsets.ravel(), minlength=resamples * self.n_categories)
            counts[:] = flat.reshape(resamples, self.n_categories)
        return counts

    @property
    def batch(self) -> int:
        """Resamples drawn together: grouped draws hold (resamples, groups, width) counts."""
        if not self.grouped:
            return BATCH
        return max(1, min(BATCH, _GROUPED_CELLS // self.pvals.size))


@dataclass(frozen=True)
class GroupEstimates:
    """Bootstrap estimates of every metric in every group (a slice of the rows)."""

    groups: tuple[tuple[MetricEstimate, ...], ...]  # per group, the metrics in the order asked
    resamples: int
    paired: bool | None  # None without a base
    unpaired_reason: str | None = None


def bootstrap(
    head: Predictions,
    base: Predictions | None,
    metrics: tuple[str, ...],
    *,
    threshold: float,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Estimates:
    """Percentile intervals for `metrics` on the head, the base and head minus base.

    A resample where a metric is undefined (ROC AUC with one class) is left out of that
    metric's interval; when more than half are, the metric gets no interval at all.
    """
    grouped = bootstrap_groups(
        head,
        base,
        metrics,
        head_groups=np.zeros((1, len(head)), dtype=np.intp),
        base_groups=None if base is None else np.zeros((1, len(base)), dtype=np.intp),
        n_groups=1,
        threshold=threshold,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )
    return Estimates(
        metrics=grouped.groups[0],
        resamples=resamples,
        paired=grouped.paired,
        unpaired_reason=grouped.unpaired_reason,
    )


def bootstrap_groups(
    head: Predictions,
    base: Predictions | None,
    metrics: tuple[str, ...],
    *,
    head_groups: npt.NDArray[np.intp],
    base_groups: npt.NDArray[np.intp] | None,
    n_groups: int,
    threshold: float,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> GroupEstimates:
    """`bootstrap` within each group of rows, every group at once.

    `head_groups` is (partitions, head rows): in each partition (say, one per column sliced
    on), each row's group, numbered 0 to n_groups - 1 across all partitions, or -1 for none.
    Each group is resampled on its own, at its own size. `base_groups` does the same for the
    base's rows; when base and head scored the same rows (paired), a row keeps the head's group.
    """
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise ValueError(f"cannot recompute {unknown}; known: {sorted(METRICS)}")
    rng = np.random.default_rng(seed)
    reason = pairing(head, base) if base is not None else None
    paired = None if base is None else reason is None
    if base is not None and paired:
        base, base_groups = base.aligned_to(head), head_groups
    head_levels, _ = _grouped_levels(head, head_groups, n_groups, threshold)
    base_levels, base_rows = (
        _grouped_levels(base, base_groups, n_groups, threshold)
        if base is not None and base_groups is not None
        else (None, np.zeros(n_groups, dtype=np.intp))
    )
    draws = list(
        _paired(rng, head_levels, base_levels, resamples, metrics)
        if base_levels is not None and paired
        else _unpaired(rng, head_levels, base_levels, resamples, metrics)
    )
    head_draws, base_draws = _concat(draws, 0), _concat(draws, 1)
    head_values = values(full_counts(head_levels), metrics)
    base_values = values(full_counts(base_levels), metrics) if base_levels else {}

    # Every group's intervals of a metric at once: one quantile call per (metric, side).
    head_intervals = {name: _intervals(head_draws[name], confidence) for name in metrics}
    base_intervals = {name: _intervals(base_draws[name], confidence) for name in base_values}
    delta_intervals = {
        name: _intervals(head_draws[name] - base_draws[name], confidence) for name in base_values
    }

    def estimate(name: str, group: int) -> MetricEstimate:
        head_value = float(head_values[name][0, group])
        if name not in base_values or not base_rows[group]:
            return MetricEstimate(name, head_value, head_intervals[name][group])
        return MetricEstimate(
            metric=name,
            head_value=head_value,
            head=head_intervals[name][group],
            base_value=float(base_values[name][0, group]),
            base=base_intervals[name][group],
            delta=delta_intervals[name][group],
            paired=paired,
        )

    return GroupEstimates(
        groups=tuple(tuple(estimate(name, group) for name in metrics) for group in range(n_groups)),
        resamples=resamples,
        paired=paired,
        unpaired_reason=reason,
    )


def _grouped_levels(
    predictions: Predictions, groups: npt.NDArray[np.intp], n_groups: int, threshold: float
) -> tuple[Levels, npt.NDArray[np.intp]]:
    """Levels of each partition's rows, by group (a row appears once per partition it is in);
    and the rows in each group."""
    rows = [np.flatnonzero(partition >= 0) for partition in groups]
    taken = np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)
    group = np.concatenate([p[r] for p, r in zip(groups, rows, strict=True)]) if rows else taken
    levels = Levels.build(
        predictions.labels[taken], predictions.scores[taken], threshold, group, n_groups
    )
    return levels, np.bincount(group, minlength=n_groups).astype(np.intp)


_Batch = tuple[dict[str, Array], dict[str, Array]]  # (head values, base values) per resample


def _batches(resamples: int, batch: int = BATCH) -> Iterator[int]:
    for start in range(0, resamples, batch):
        yield min(batch, resamples - start)


def _unpaired(
    rng: np.random.Generator,
    head: Levels,
    base: Levels | None,
    resamples: int,
    metrics: tuple[str, ...],
) -> Iterator[_Batch]:
    head_sampler = _Sampler(head.category, head.n_categories, head.group_of_category)
    base_sampler = (
        _Sampler(base.category, base.n_categories, base.group_of_category) if base else None
    )
    batch = min(head_sampler.batch, base_sampler.batch if base_sampler else BATCH)
    for size in _batches(resamples, batch):
        head_values = values(Counts(head, head_sampler.draw(rng, size)), metrics)
        base_values = (
            values(Counts(base, base_sampler.draw(rng, size)), metrics)
            if base is not None and base_sampler is not None
            else {}
        )
        yield head_values, base_values


def _paired(
    rng: np.random.Generator, head: Levels, base: Levels, resamples: int, metrics: tuple[str, ...]
) -> Iterator[_Batch]:
    # One category per (head category, base category) pair: the same rows on both sides.
    joint = head.category * base.n_categories + base.category
    keys, joint_category = np.unique(joint, return_inverse=True)
    head_of, base_of = keys // base.n_categories, keys % base.n_categories
    sampler = _Sampler(joint_category.astype(np.intp), len(keys), head.group_of_category[head_of])
    for size in _batches(resamples, sampler.batch):
        counts = sampler.draw(rng, size)
        yield (
            values(Counts(head, _collapse(counts, head_of, head.n_categories)), metrics),
            values(Counts(base, _collapse(counts, base_of, base.n_categories)), metrics),
        )


def _collapse(counts: Array, target: npt.NDArray[np.integer], n_targets: int) -> Array:
    """Sum joint-category counts (resamples, joint) into (resamples, n_targets)."""
    order = np.argsort(target, kind="stable")
    sorted_target = target[order]
    starts = np.flatnonzero(np.r_[True, sorted_target[1:] != sorted_target[:-1]])
    out = np.zeros((counts.shape[0], n_targets))
    out[:, sorted_target[starts]] = np.add.reduceat(counts[:, order], starts, axis=1)
    return out


def _concat(batches: list[_Batch] | Iterator[_Batch], side: int) -> dict[str, Array]:
    collected: dict[str, list[Array]] = {}
    for batch in batches:
        for name, draws in batch[side].items():
            collected.setdefault(name, []).append(draws)
    return {name: np.concatenate(parts) for name, parts in collected.items()}


def _intervals(draws: Array, confidence: float) -> list[Interval | None]:
    """`_interval` of each column of (resamples, groups) draws; columns without an undefined
    value share one quantile call (the same values as one call per column)."""
    out: list[Interval | None] = [None] * draws.shape[1]
    complete = np.isfinite(draws).all(axis=0)
    if complete.any():
        tail = (1 - confidence) / 2
        lows, highs = np.quantile(draws[:, complete], [tail, 1 - tail], axis=0)
        for group, low, high in zip(np.flatnonzero(complete), lows, highs, strict=True):
            out[group] = Interval(low=float(low), high=float(high), confidence=confidence)
    for group in np.flatnonzero(~complete):
        out[group] = _interval(draws[:, group], confidence)
    return out


def _interval(draws: Array, confidence: float) -> Interval | None:
    defined = draws[np.isfinite(draws)]
    if len(defined) * 2 < len(draws):
        return None
    tail = (1 - confidence) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return Interval(low=float(low), high=float(high), confidence=confidence)
