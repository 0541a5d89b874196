"""Metrics, intervals and gates in every slice: predictions joined to the test data on row id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from modelci.config import IntervalsConfig, SlicesConfig
from modelci.errors import DataError
from modelci.metrics.diff import Change
from modelci.rules.gates import GateResult, evaluate_gate
from modelci.slices._define import Slicer, define
from modelci.slices.model import SliceMetric, SliceResult, SlicesResult
from modelci.stats import MetricEstimate, Predictions, bootstrap_groups
from modelci.stats.intervals import MetricInterval

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class SliceInputs:
    """What the slices are computed from: both sides' predictions and test data."""

    head: Predictions
    head_data: pd.DataFrame
    base: Predictions | None = None
    base_data: pd.DataFrame | None = None  # the frame the base's rows are sliced by
    base_data_label: str | None = None  # where that frame came from, for the report
    notes: tuple[str, ...] = ()


def evaluate_slices(
    config: SlicesConfig,
    inputs: SliceInputs,
    *,
    id_column: str,
    threshold: float,
    intervals: IntervalsConfig,
) -> SlicesResult:
    """Every slice's metrics with bootstrap intervals (all slices resampled at once), and the
    slice gates in each slice with at least `min_support` positives on the head."""
    notes = list(inputs.notes)
    head_rows = _rows(inputs.head, inputs.head_data, id_column, config.data, "head", notes)
    scored = inputs.head_data.iloc[head_rows[head_rows >= 0]]
    slicers = [
        define(column, scored, data=config.data, max_slices=config.max_slices)
        for column in config.columns
    ]
    offsets = np.cumsum([0] + [len(s.labels) for s in slicers])
    head_groups = _groups(slicers, offsets, inputs.head_data, head_rows)
    base_groups = None
    if inputs.base is not None:
        base_frame = inputs.base_data if inputs.base_data is not None else inputs.head_data
        base_rows = _rows(inputs.base, base_frame, id_column, config.data, "base", notes)
        base_groups = _groups(slicers, offsets, base_frame, base_rows)
    measured = config.measured
    estimates = bootstrap_groups(
        inputs.head,
        inputs.base,
        measured,
        head_groups=head_groups,
        base_groups=base_groups,
        n_groups=int(offsets[-1]),
        threshold=threshold,
        confidence=intervals.confidence,
        resamples=intervals.resamples,
        seed=intervals.seed,
    )
    head_counts = _counts(head_groups, inputs.head.labels, int(offsets[-1]))
    base_counts = (
        _counts(base_groups, inputs.base.labels, int(offsets[-1]))
        if inputs.base is not None and base_groups is not None
        else (np.zeros(int(offsets[-1]), np.intp),) * 2
    )
    if estimates.paired:  # the same rows: a base row is in the head's slice
        base_counts = head_counts
    results = []
    for slicer, offset in zip(slicers, offsets, strict=False):
        for index, label in enumerate(slicer.labels):
            group = int(offset) + index
            if not head_counts[0][group]:
                continue  # no scored head row holds this value: not a slice of this test set
            results.append(
                _result(
                    config,
                    slicer.column,
                    label,
                    (int(head_counts[0][group]), int(head_counts[1][group])),
                    (int(base_counts[0][group]), int(base_counts[1][group])),
                    estimates.groups[group],
                    estimates.resamples,
                )
            )
    gated = tuple(gate.metric for gate in config.gates)
    shown = gated or measured
    results.sort(key=lambda s: (s.passed, s.small, -s.movement(shown)))
    return SlicesResult(
        data=config.data,
        columns=tuple(s.column for s in slicers),
        metrics=measured,
        gated=gated,
        min_support=config.min_support,
        slices=tuple(results),
        resamples=estimates.resamples,
        confidence=intervals.confidence,
        paired=estimates.paired,
        base_data=inputs.base_data_label if inputs.base is not None else None,
        notes=tuple(notes),
    )


def _rows(
    predictions: Predictions,
    frame: pd.DataFrame,
    id_column: str,
    data: str,
    side: str,
    notes: list[str],
) -> npt.NDArray[np.intp]:
    """Each prediction's row in `frame` (-1: the frame has no row with its id)."""
    import pandas as pd

    if id_column not in frame.columns:
        raise DataError(
            f"{data}: no row id column `{id_column}` "
            f"(columns: {', '.join(map(str, frame.columns))})",
            file=data,
            hint="name the test data's id column in `modelci.slices.id` (its values are the "
            "predictions' row ids)",
        )
    ids = frame[id_column]
    if ids.duplicated().any():
        raise DataError(
            f"{data}: row id column `{id_column}` repeats {int(ids.duplicated().sum()):,} ids",
            file=data,
            hint="each test row needs its own id to be joined to its prediction",
        )
    rows = np.asarray(pd.Index(ids).get_indexer(predictions.ids), dtype=np.intp)
    unmatched = int((rows < 0).sum())
    if unmatched == len(rows) and side == "head":
        raise DataError(
            f"{data}: none of the {len(rows):,} predicted row ids is in column `{id_column}`",
            file=data,
            hint="is `modelci.slices.id` the column the predictions' ids come from?",
        )
    if unmatched:
        notes.append(
            f"{unmatched:,} of the {side}'s {len(rows):,} predicted rows have no row in the "
            f"test data it is sliced by: they are in no slice"
        )
    return rows


def _groups(
    slicers: Sequence[Slicer],
    offsets: npt.NDArray[np.integer],
    frame: pd.DataFrame,
    rows: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """(columns, predictions): each prediction's slice per column, numbered across columns."""
    found = rows >= 0
    groups = np.full((len(slicers), len(rows)), -1, dtype=np.intp)
    for index, (slicer, offset) in enumerate(zip(slicers, offsets, strict=False)):
        codes = slicer.codes(frame[slicer.column].iloc[rows[found]])
        groups[index, found] = np.where(codes >= 0, codes + offset, -1)
    return groups


def _counts(
    groups: npt.NDArray[np.intp], labels: npt.NDArray[np.int8], n_groups: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows and positives per slice."""
    taken = groups >= 0
    flat = groups[taken]
    positives = np.broadcast_to(labels, groups.shape)[taken].astype(np.float64)
    return (
        np.bincount(flat, minlength=n_groups).astype(np.intp),
        np.bincount(flat, weights=positives, minlength=n_groups).astype(np.intp),
    )


def _result(
    config: SlicesConfig,
    column: str,
    label: str,
    head: tuple[int, int],
    base: tuple[int, int],
    estimates: tuple[MetricEstimate, ...],
    resamples: int,
) -> SliceResult:
    name = f"{column} = {label}"
    metrics = tuple(_metric(name, estimate, resamples) for estimate in estimates)
    small = head[1] < config.min_support
    gates: tuple[GateResult, ...] = ()
    if not small:
        by_name = {m.metric: m for m in metrics}
        gates = tuple(
            evaluate_gate(gate, _change(name, by_name[gate.metric]), by_name[gate.metric].interval)
            for gate in config.gates
        )
    return SliceResult(
        column=column,
        value=label,
        rows=head[0],
        positives=head[1],
        base_rows=base[0],
        base_positives=base[1],
        small=small,
        metrics=metrics,
        gates=gates,
    )


def _metric(name: str, estimate: MetricEstimate, resamples: int) -> SliceMetric:
    interval = None
    if estimate.head is not None:
        interval = MetricInterval(
            metric=estimate.metric,
            source=name,
            head=estimate.head,
            base=estimate.base,
            delta=estimate.delta,
            paired=estimate.paired if estimate.delta else None,
            resamples=resamples,
        )
    return SliceMetric(
        metric=estimate.metric,
        head=estimate.head_value,
        base=estimate.base_value,
        interval=interval,
    )


def _change(name: str, metric: SliceMetric) -> Change:
    """The slice's metric as a gate sees a metrics file's: base and head values."""
    return Change(
        file=name,
        key=metric.metric,
        base=metric.base,
        head=metric.head,
        in_base=metric.base is not None,
        in_head=True,
    )
