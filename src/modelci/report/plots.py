"""Read plot data files (written by the pipeline) into PlotData for the report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from modelci.config import PlotConfig
from modelci.metrics.diff import is_number
from modelci.report.model import PlotData

_MAX_POINTS = 1000  # the chart resamples; report.json need not hold every threshold


def load_plot(root: Path, plot: PlotConfig, base_text: str | None = None) -> PlotData:
    """The plot file in the workspace; `base_text` is the same file on the base, if any.

    A line plot carries the base's curve too (`base_points`) when `base_text` holds one.
    """
    try:
        text = (root / plot.path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return _problem(_empty(plot), f"{plot.path} not found")
    except (OSError, ValueError) as error:
        return _problem(_empty(plot), f"could not read {plot.path} ({error})")
    head = parse_plot(plot, text)
    if base_text is None or head.problem or head.kind == "confusion":
        return head
    base = parse_plot(plot, base_text)
    return head if base.problem else _replace(head, base_points=base.points)


def parse_plot(plot: PlotConfig, text: str) -> PlotData:
    base = _empty(plot)
    try:
        data = json.loads(text)
    except ValueError as error:
        return _problem(base, f"could not read {plot.path}: not valid JSON ({error})")
    except RecursionError:
        return _problem(base, f"could not read {plot.path}: nested too deeply")
    if plot.kind == "confusion":
        matrix = _confusion(data, plot.x or "actual", plot.y or "predicted")
        if matrix is None:
            return _problem(
                base, f"{plot.path}: expected {{tn, fp, fn, tp}} or rows of actual/predicted"
            )
        return _replace(base, matrix=matrix)
    rows = _rows(data)
    if rows is None:
        return _problem(
            base, f"{plot.path}: expected a list of objects (or one key holding such a list)"
        )
    points = sorted(
        (float(r[plot.x]), float(r[plot.y]))
        for r in rows
        if isinstance(r, dict) and is_number(r.get(plot.x)) and is_number(r.get(plot.y))
    )
    if not points:
        return _problem(base, f"{plot.path}: no rows with numeric `{plot.x}` and `{plot.y}`")
    return _replace(base, points=tuple(_thin(points)))


def _rows(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        return list(next(iter(data.values())))
    return None


def _confusion(data: Any, actual: str, predicted: str) -> dict[str, int] | None:
    if isinstance(data, dict) and all(
        isinstance(data.get(k), int) for k in ("tn", "fp", "fn", "tp")
    ):
        return {k: int(data[k]) for k in ("tn", "fp", "fn", "tp")}
    rows = _rows(data)
    if rows is None:
        return None
    counts = Counter(
        (str(r.get(actual)), str(r.get(predicted))) for r in rows if isinstance(r, dict)
    )
    names = {("0", "0"): "tn", ("0", "1"): "fp", ("1", "0"): "fn", ("1", "1"): "tp"}
    return {name: counts.get(pair, 0) for pair, name in names.items()}


def _empty(plot: PlotConfig) -> PlotData:
    return PlotData(
        title=plot.title or plot.path, path=plot.path, kind=plot.kind, x=plot.x, y=plot.y
    )


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= _MAX_POINTS:
        return points
    step = (len(points) - 1) / (_MAX_POINTS - 1)
    return [points[round(i * step)] for i in range(_MAX_POINTS)]


def _problem(plot: PlotData, problem: str) -> PlotData:
    return _replace(plot, problem=problem)


def _replace(plot: PlotData, **changes: Any) -> PlotData:
    from dataclasses import replace

    return replace(plot, **changes)
