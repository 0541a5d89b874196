"""Numbers as the report shows them, in report.md and on the terminal alike.

`escape` renders a value that is not a number (modelci/escape.py's `text` for Markdown,
`printable` for a terminal).
"""

from __future__ import annotations

from typing import Any

from modelci.metrics.diff import Change, is_number
from modelci.metrics.shown import Escape, number
from modelci.report.model import MetricInterval
from modelci.rules import GateResult


def signed(x: float | None) -> str:
    return "—" if x is None else ("0" if x == 0 else f"{x:+.4g}")


def value(change: Change, side: str, *, escape: Escape, absent: str = "absent") -> str:
    present = change.in_base if side == "base" else change.in_head
    if not present:
        return absent
    return number(getattr(change, side), escape=escape)


def with_interval(x: Any, interval: MetricInterval | None, *, escape: Escape) -> str:
    """`0.949 (0.930 to 0.960)` when the head has an interval, else the plain number."""
    if interval is None or not is_number(x):
        return number(x, escape=escape)
    return f"{x:.3f} ({interval.head.low:.3f} to {interval.head.high:.3f})"


def change_with_interval(
    delta: float | None, change: Change | None, interval: MetricInterval | None
) -> str:
    """`Δ -0.012 (-0.031 to +0.006)` when the change has an interval, else the plain change."""
    if interval is not None and interval.delta is not None and delta is not None:
        d = interval.delta
        return f"Δ {delta:+.3f} ({d.low:+.3f} to {d.high:+.3f})"
    if change is None:
        return signed(delta)
    if change.delta is not None:
        pct = change.delta_percent
        extra = f" ({pct:+.1f}%)" if pct is not None and change.delta else ""
        return signed(change.delta) + extra
    return {"added": "new", "removed": "removed", "modified": "changed", "unchanged": ""}[
        change.status
    ]


def interval_note(intervals: list[MetricInterval]) -> str | None:
    if not intervals:
        return None
    first = intervals[0]
    paired = " (paired: base and head resampled on the same rows)" if first.paired else ""
    return (
        f"Intervals: {first.head.confidence:.0%} bootstrap, {first.resamples:,} resamples{paired}."
    )


def gate_rule(gate: GateResult, *, at_least: str, at_most: str, escape: Escape) -> str:
    """`>= 0.9 and regression <= 0.02`, with the comparison signs the output uses."""
    rule = []
    if gate.threshold is not None:
        rule.append(f"{at_least if gate.direction == 'higher' else at_most} {gate.threshold:g}")
    if gate.max_regression is not None:
        rule.append(f"regression {at_most} {escape(gate.max_regression)}")
    return " and ".join(rule)
