"""Charts for the report: Mermaid xy charts (GitHub renders them) and confusion-matrix tables.

A curve is resampled onto an even grid of GRID_POINTS x values and drawn on a numeric x axis,
so Mermaid labels a few ticks instead of every x value; the base's curve, when there is one, is
drawn on the same chart (grey) under the head's (blue): the reviewer asks "did it move?". A
confusion matrix is a table of counts and rates: as bars, the true negatives dwarf the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from modelci import escape
from modelci.report.model import PlotData

GRID_POINTS = 21
BASE_COLOUR, HEAD_COLOUR = "#9e9e9e", "#1f77b4"
Points = Sequence[tuple[float, float]]


def resample(points: Points, grid: Sequence[float]) -> list[float]:
    """y at each grid x, linearly interpolated; repeated x values are averaged first."""
    by_x: dict[float, list[float]] = {}
    for x, y in points:
        by_x.setdefault(x, []).append(y)
    xs = sorted(by_x)
    ys = [sum(by_x[x]) / len(by_x[x]) for x in xs]
    import numpy as np  # only when a curve is drawn: a check without plots never imports it

    return [float(v) for v in np.interp(grid, xs, ys)]


def grid_for(*curves: Points) -> list[float]:
    xs = [x for curve in curves for x, _ in curve]
    import numpy as np

    return [float(v) for v in np.linspace(min(xs), max(xs), GRID_POINTS)]


def line_chart(plot: PlotData) -> tuple[list[str], list[str]]:
    """(the Mermaid block, a table of the resampled values) for a line plot with points."""
    curves = [plot.base_points, plot.points] if plot.base_points else [plot.points]
    grid = grid_for(*curves)
    series = [resample(curve, grid) for curve in curves]
    low = min(min(s) for s in series)
    high = max(max(s) for s in series)
    y_range = " 0 --> 1" if low >= 0 and high <= 1 else ""
    palette = f"{BASE_COLOUR}, {HEAD_COLOUR}" if plot.base_points else HEAD_COLOUR
    init = json.dumps({"themeVariables": {"xyChart": {"plotColorPalette": palette}}})
    chart = [
        "```mermaid",
        "%%{init: " + init + "}%%",
        "xychart-beta",
        f'    title "{escape.mermaid(plot.title)}"',
        f'    x-axis "{escape.mermaid(plot.x or "x")}" {_tick(grid[0])} --> {_tick(grid[-1])}',
        f'    y-axis "{escape.mermaid(plot.y or "y")}"{y_range}',
        *(f"    line [{', '.join(f'{v:.4g}' for v in s)}]" for s in series),
        "```",
    ]
    header = [escape.text(plot.x or "x"), *(("base", "head") if plot.base_points else ("head",))]
    table = ["| " + " | ".join(header) + " |", "|" + " ---: |" * len(header)]
    for i, x in enumerate(grid):
        table.append(f"| {_tick(x)} | " + " | ".join(f"{s[i]:.4g}" for s in series) + " |")
    return chart, table


def legend(plot: PlotData) -> str | None:
    if not plot.base_points:
        return None
    return "Grey: base; blue: head (resampled onto an even grid of the x axis)."


def confusion_table(matrix: dict[str, int]) -> list[str]:
    """Counts with each actual class's rates, then precision and recall."""
    tn, fp, fn, tp = (matrix.get(k, 0) for k in ("tn", "fp", "fn", "tp"))
    lines = [
        "| | Predicted 0 | Predicted 1 |",
        "| --- | ---: | ---: |",
        f"| **Actual 0** | {_count(tn, tn + fp)} | {_count(fp, tn + fp)} |",
        f"| **Actual 1** | {_count(fn, fn + tp)} | {_count(tp, fn + tp)} |",
    ]
    return [*lines, "", confusion_summary(matrix)]


def confusion_summary(matrix: dict[str, int]) -> str:
    tn, fp, fn, tp = (matrix.get(k, 0) for k in ("tn", "fp", "fn", "tp"))
    precision = _rate(tp, tp + fp)
    recall = _rate(tp, tp + fn)
    total = tn + fp + fn + tp
    return (
        f"{total:,} examples; rates are of each actual class. "
        f"Precision {precision}, recall {recall}."
    )


def _count(count: int, of: int) -> str:
    return f"{count:,} ({_rate(count, of)})"


def _rate(count: int, of: int) -> str:
    return "n/a" if of == 0 else f"{100 * count / of:.2f}%"


def _tick(x: float) -> str:
    return f"{x:.3g}"
