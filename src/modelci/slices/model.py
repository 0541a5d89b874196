"""Metrics per slice as plain data: what the slices step found, and what the report shows.

Importing this module imports no numpy or pandas (the report imports it on every check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelci.config import Tolerance
from modelci.escape import plural
from modelci.rules.gates import GateResult
from modelci.stats.intervals import Interval, MetricInterval


@dataclass(frozen=True)
class SliceMetric:
    """One metric in one slice: point values on each side and, when defined, their intervals."""

    metric: str
    head: float
    base: float | None = None
    interval: MetricInterval | None = None  # None when undefined on most resamples

    @property
    def delta(self) -> float | None:
        return None if self.base is None else self.head - self.base

    def to_dict(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "metric": self.metric,
            "head": self.head,
            "base": self.base,
            "delta": self.delta,
            "head_interval": interval.head.to_dict() if interval else None,
            "base_interval": interval.base.to_dict() if interval and interval.base else None,
            "delta_interval": interval.delta.to_dict() if interval and interval.delta else None,
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, source: str, resamples: int, paired: bool | None
    ) -> SliceMetric:
        head = _interval(data["head_interval"])
        delta = _interval(data["delta_interval"])
        interval = None
        if head is not None:
            interval = MetricInterval(
                metric=data["metric"],
                source=source,
                head=head,
                base=_interval(data["base_interval"]),
                delta=delta,
                paired=paired if delta else None,
                resamples=resamples,
            )
        return cls(metric=data["metric"], head=data["head"], base=data["base"], interval=interval)


@dataclass(frozen=True)
class SliceResult:
    """A slice of the test set (one value of a column, or one bin) and its gates."""

    column: str
    value: str  # the value, or the bin as `[50, 200)`
    rows: int
    positives: int
    base_rows: int  # 0: the base has no row in this slice
    base_positives: int
    small: bool  # fewer positives than min_support on the head: reported, not gated
    metrics: tuple[SliceMetric, ...]
    gates: tuple[GateResult, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.column} = {self.value}"

    @property
    def passed(self) -> bool:
        return all(gate.passed for gate in self.gates)

    @property
    def failed_gates(self) -> list[GateResult]:
        return [gate for gate in self.gates if not gate.passed]

    def metric(self, name: str) -> SliceMetric | None:
        return next((m for m in self.metrics if m.metric == name), None)

    def movement(self, names: tuple[str, ...]) -> float:
        """The largest change among `names` (0 without a base): how far the slice moved."""
        deltas = [abs(m.delta) for m in self.metrics if m.metric in names and m.delta is not None]
        return max((d for d in deltas if d == d), default=0.0)  # d == d: NaN is no movement

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "value": self.value,
            "rows": self.rows,
            "positives": self.positives,
            "base_rows": self.base_rows,
            "base_positives": self.base_positives,
            "small": self.small,
            "passed": self.passed,
            "metrics": [metric.to_dict() for metric in self.metrics],
            "gates": [gate.to_dict() for gate in self.gates],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, resamples: int, paired: bool | None) -> SliceResult:
        name = f"{data['column']} = {data['value']}"
        counts = ("column", "value", "rows", "positives", "base_rows", "base_positives", "small")
        return cls(
            **{key: data[key] for key in counts},
            metrics=tuple(
                SliceMetric.from_dict(m, source=name, resamples=resamples, paired=paired)
                for m in data["metrics"]
            ),
            gates=tuple(_gate(gate) for gate in data["gates"]),
        )


@dataclass(frozen=True)
class SlicesResult:
    """Every slice, failed first, then those that moved most; and how they were measured."""

    data: str  # the test data file the slices come from
    columns: tuple[str, ...]
    metrics: tuple[str, ...]  # computed in every slice
    gated: tuple[str, ...]  # the slice gates' metrics
    min_support: int
    slices: tuple[SliceResult, ...]
    resamples: int
    confidence: float
    paired: bool | None  # None without a base
    base_data: str | None = None  # how the base's rows were sliced (None without a base)
    notes: tuple[str, ...] = ()  # what a reader needs to weigh the numbers

    @property
    def failed(self) -> list[SliceResult]:
        return [s for s in self.slices if not s.passed]

    @property
    def failed_gates(self) -> int:
        return sum(len(s.failed_gates) for s in self.slices)

    @property
    def small(self) -> list[SliceResult]:
        return [s for s in self.slices if s.small]

    @property
    def summary(self) -> str:
        """`2 of 12 slice gates failed: merchant_category = electronics: ...`, or `12 ... held`."""
        held = sum(len(s.gates) for s in self.slices)
        if not self.failed:
            return f"{plural(held, 'slice gate')} held" if held else "no slice gated"
        first = self.failed[0]
        return (
            f"{self.failed_gates} of {plural(held, 'slice gate')} failed: "
            f"{first.name}: {first.failed_gates[0].reasons[0]}"
            + (
                f" (and {plural(len(self.failed) - 1, 'other slice')})"
                if len(self.failed) > 1
                else ""
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "base_data": self.base_data,
            "columns": list(self.columns),
            "metrics": list(self.metrics),
            "gated": list(self.gated),
            "min_support": self.min_support,
            "resamples": self.resamples,
            "confidence": self.confidence,
            "paired": self.paired,
            "passed": not self.failed,
            "notes": list(self.notes),
            "slices": [s.to_dict() for s in self.slices],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlicesResult:
        """The result `to_dict` gave (remembered between checks)."""
        resamples = data["resamples"]
        return cls(
            data=data["data"],
            columns=tuple(data["columns"]),
            metrics=tuple(data["metrics"]),
            gated=tuple(data["gated"]),
            min_support=data["min_support"],
            slices=tuple(
                SliceResult.from_dict(s, resamples=resamples, paired=data["paired"])
                for s in data["slices"]
            ),
            resamples=resamples,
            confidence=data["confidence"],
            paired=data["paired"],
            base_data=data["base_data"],
            notes=tuple(data["notes"]),
        )


def _interval(data: dict[str, Any] | None) -> Interval | None:
    return None if data is None else Interval(data["low"], data["high"], data["confidence"])


def _gate(data: dict[str, Any]) -> GateResult:
    tolerance = data["max_regression"]
    plain = ("metric", "source", "base", "head", "threshold", "direction", "passed")
    return GateResult(
        **{key: data[key] for key in plain},
        max_regression=None
        if tolerance is None
        else Tolerance(float(tolerance.rstrip("%")), relative=tolerance.endswith("%")),
        reasons=tuple(data["reasons"]),
        notes=tuple(data["notes"]),
    )
