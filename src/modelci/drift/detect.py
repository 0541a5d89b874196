"""The drift operation: two frames and the settings in, a DriftReport out (it never prints).

Each column gets one test (Evidently's default for its kind and the reference size, or the one
configured), compared with its threshold; the dataset drifted when the share of drifted columns
reaches `share`. Prediction drift compares the model's scores on the two frames the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from modelci.drift.config import DriftConfig, MethodSetting
from modelci.drift.kinds import Column, prepare_column
from modelci.drift.stattests import ColumnKind, Counts, Numeric, default_method, get_method
from modelci.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

MIN_ROWS = 2
HISTOGRAM_BINS = 8
HISTOGRAM_CATEGORIES = 8


@dataclass(frozen=True)
class Histogram:
    """Shares of rows per bin (numeric) or category, reference beside current."""

    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: ColumnKind
    method: str
    method_title: str
    statistic_name: str  # p_value or distance
    statistic: float
    threshold: float
    drifted: bool
    reason: str
    reference_rows: int  # values tested (missing values left out)
    current_rows: int
    reference_missing: int
    current_missing: int
    histogram: Histogram | None = None  # drawn for drifted columns only


@dataclass(frozen=True)
class DriftReport:
    reference: str
    current: str
    reference_rows: int
    current_rows: int
    share_threshold: float
    columns: tuple[ColumnDrift, ...]
    prediction: ColumnDrift | None = None

    @property
    def drifted_columns(self) -> tuple[ColumnDrift, ...]:
        return tuple(column for column in self.columns if column.drifted)

    @property
    def share(self) -> float:
        return len(self.drifted_columns) / len(self.columns)

    @property
    def dataset_drift(self) -> bool:
        return self.share >= self.share_threshold

    @property
    def drifted(self) -> bool:
        """The verdict: the dataset drifted, or the model's scores did."""
        return self.dataset_drift or (self.prediction is not None and self.prediction.drifted)


def detect_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    config: DriftConfig | None = None,
    *,
    reference_label: str = "the reference data",
    current_label: str = "the current data",
    reference_scores: np.ndarray | None = None,
    current_scores: np.ndarray | None = None,
) -> DriftReport:
    """Test every column of the two frames (and the scores, when both are given).

    DataError (exit 4) when the frames cannot be compared: too few rows, columns missing on one
    side, a column numeric on one side only, a column with no values. ConfigError (exit 3) when
    the settings name columns that do not exist or a method that cannot test a column's kind.
    """
    config = config or DriftConfig()
    labels = (reference_label, current_label)
    for frame, label in ((reference, reference_label), (current, current_label)):
        if len(frame) < MIN_ROWS:
            raise DataError(
                f"{label} has {len(frame)} row(s); drift detection needs at least {MIN_ROWS}",
                hint="Compare data sets with rows on both sides.",
            )
    names = _columns(reference, current, config, labels)
    results = []
    for name in names:
        own = config.columns.get(name)
        forced = ColumnKind(own.kind) if own is not None and own.kind else None
        column = prepare_column(name, reference[name], current[name], kind=forced, where=labels)
        results.append(_test(column, config.setting(name, column.kind), where=f"columns.{name}"))
    prediction = None
    if reference_scores is not None and current_scores is not None:
        import pandas as pd

        column = prepare_column(
            "prediction",
            pd.Series(np.asarray(reference_scores, dtype=np.float64)),
            pd.Series(np.asarray(current_scores, dtype=np.float64)),
            where=(f"{reference_label} scores", f"{current_label} scores"),
        )
        setting = config.prediction if column.kind is ColumnKind.NUMERIC else MethodSetting()
        prediction = _test(column, setting, where="prediction")
    return DriftReport(
        reference=reference_label,
        current=current_label,
        reference_rows=len(reference),
        current_rows=len(current),
        share_threshold=config.share,
        columns=tuple(results),
        prediction=prediction,
    )


def _columns(
    reference: pd.DataFrame, current: pd.DataFrame, config: DriftConfig, labels: tuple[str, str]
) -> list[str]:
    ref_names = [str(name) for name in reference.columns]
    cur_names = {str(name) for name in current.columns}
    unknown = [n for n in (*config.exclude, *config.columns) if n not in cur_names | set(ref_names)]
    if unknown:
        raise ConfigError(
            f"names column(s) that neither data set has: {', '.join(unknown)}",
            key="modelci.drift",
            hint=f"Columns: {', '.join(ref_names)}.",
        )
    excluded = set(config.exclude)
    missing = [n for n in ref_names if n not in cur_names and n not in excluded]
    extra = [n for n in current.columns if str(n) not in set(ref_names) and n not in excluded]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{labels[1]} lacks column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"{labels[1]} has column(s) the reference lacks: {', '.join(extra)}")
        raise DataError(
            "the data sets do not have the same columns: " + "; ".join(parts),
            hint="Fix the feed, or list the columns in modelci.drift.exclude.",
        )
    names = [n for n in ref_names if n not in excluded]
    if not names:
        raise ConfigError(
            "modelci.drift.exclude leaves no column to test",
            key="modelci.drift.exclude",
            hint="Exclude only identifiers and the label.",
        )
    return names


def _test(column: Column, setting: MethodSetting, *, where: str) -> ColumnDrift:
    if setting.method is None:
        test = default_method(column.kind, column.reference_rows, column.distinct)
    else:
        test = get_method(setting.method)
    if column.kind not in test.kinds:
        raise ConfigError(
            f"method {test.name!r} does not test {column.kind.value} columns, and "
            f"`{column.name}` is {column.kind.value}",
            key=f"modelci.drift.{where}",
            hint=f"Choose a method for {column.kind.value} columns, or set the column's kind.",
        )
    threshold = setting.threshold if setting.threshold is not None else test.default_threshold
    statistic = test.compute(column.sample)
    drifted = test.drifted(statistic, threshold)
    name = test.statistic.replace("_", "-")
    reason = f"{test.title} {statistic:.4g} {test.comparison(drifted)} {threshold:g}"
    reason += ": drift" if drifted else ": no drift"
    if np.isnan(statistic):
        reason = f"{test.title} is undefined on this data ({name} NaN): counted as no drift"
    return ColumnDrift(
        column=column.name,
        kind=column.kind,
        method=test.name,
        method_title=test.title,
        statistic_name=test.statistic,
        statistic=statistic,
        threshold=threshold,
        drifted=drifted,
        reason=reason,
        reference_rows=column.reference_rows,
        current_rows=column.current_rows,
        reference_missing=column.reference_missing,
        current_missing=column.current_missing,
        histogram=_histogram(column) if drifted else None,
    )


def _histogram(column: Column) -> Histogram:
    sample = column.sample
    if isinstance(sample, Numeric):
        low = min(sample.reference[0], sample.current[0])
        high = max(sample.reference[-1], sample.current[-1])
        edges = np.linspace(low, high, HISTOGRAM_BINS + 1) if high > low else None
        if edges is None:
            ref = np.array([len(sample.reference)])
            cur = np.array([len(sample.current)])
            labels: list[str] = [f"{low:.3g}"]
        else:
            ref = np.histogram(sample.reference, edges)[0]
            cur = np.histogram(sample.current, edges)[0]
            labels = [f"{edges[i]:.3g}" for i in range(HISTOGRAM_BINS)]
        return Histogram(tuple(labels), _shares(ref), _shares(cur))
    return _top_categories(sample)


def _top_categories(counts: Counts) -> Histogram:
    total = counts.reference / counts.reference.sum() + counts.current / counts.current.sum()
    order = np.argsort(-total, kind="stable")
    shown, rest = order[:HISTOGRAM_CATEGORIES], order[HISTOGRAM_CATEGORIES:]
    labels = [str(counts.labels[i]) for i in shown]
    ref = list(counts.reference[shown])
    cur = list(counts.current[shown])
    if len(rest):
        labels.append(f"{len(rest)} others")
        ref.append(counts.reference[rest].sum())
        cur.append(counts.current[rest].sum())
    return Histogram(tuple(labels), _shares(np.array(ref)), _shares(np.array(cur)))


def _shares(counts: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(c) / float(counts.sum()), 4) for c in counts)


__all__ = ["ColumnDrift", "DriftReport", "Histogram", "detect_drift"]
