"""Gates: absolute thresholds and no-regression-against-base rules on metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from modelci.config import Direction, GateConfig, Tolerance
from modelci.errors import ConfigError
from modelci.metrics.diff import Change, is_number
from modelci.stats.intervals import METRIC_NAMES, MetricInterval

# Float noise must not fail a gate that holds exactly (0.9 - 0.02 vs 0.88).
_EPSILON = 1e-9


@dataclass(frozen=True)
class GateResult:
    metric: str  # as configured
    source: str | None  # resolved `file:key`, None when the metric was not found
    base: Any
    head: Any
    threshold: float | None
    direction: Direction
    max_regression: Tolerance | None
    passed: bool
    reasons: tuple[str, ...]  # why it failed; empty when it passed
    notes: tuple[str, ...] = ()  # what was skipped and why (no base value, ...)
    line: int | None = None

    @property
    def delta(self) -> float | None:
        if is_number(self.base) and is_number(self.head):
            return float(self.head) - float(self.base)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "source": self.source,
            "base": self.base,
            "head": self.head,
            "delta": self.delta,
            "threshold": self.threshold,
            "direction": self.direction,
            "max_regression": str(self.max_regression) if self.max_regression else None,
            "passed": self.passed,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
        }


def resolve_metric(metric: str, changes: Sequence[Change]) -> Change | None:
    """Find the metric a gate names: `file:key`, or a `key` that exists in exactly one file.

    Raises ConfigError when a bare key is ambiguous across metrics files.
    """
    if ":" in metric:
        return next((c for c in changes if c.name == metric), None)
    matches = [c for c in changes if c.key == metric]
    if len(matches) > 1:
        files = ", ".join(sorted(c.file for c in matches))
        raise ConfigError(
            f"gate metric `{metric}` is in several metrics files ({files})",
            key="modelci.gates",
            hint=f"name it with its file, e.g. `{matches[0].name}`",
        )
    return matches[0] if matches else None


def evaluate_gates(
    gates: Sequence[GateConfig],
    metrics: Sequence[Change],
    intervals: Sequence[MetricInterval] = (),
    *,
    file: str | None = None,
) -> list[GateResult]:
    """Each gate's verdict. `intervals` (by `file:key`) serve `regression: significant` gates.

    Raises ConfigError (naming `file`, the configuration file, when given) when two gates
    resolve to the same metric (`f1` and `eval/metrics.json:f1`), or when a significant gate's
    metric is not one that can be recomputed from predictions.
    """
    resolved = [resolve_metric(gate.metric, metrics) for gate in gates]
    first: dict[str, int] = {}
    for index, (gate, change) in enumerate(zip(gates, resolved, strict=True)):
        if change is None:
            continue
        problem = None
        if change.name in first:
            earlier = gates[first[change.name]]
            problem = (
                "metric",
                f"gates `{earlier.metric}`{_at(earlier)} and `{gate.metric}`{_at(gate)} are "
                f"the same gate twice: both resolve to `{change.name}`",
                "merge them: one gate can hold a threshold and a max_regression",
            )
        elif gate.regression == "significant" and change.key not in METRIC_NAMES:
            problem = (
                "regression",
                f"gate `{gate.metric}` has `regression: significant`, but `{change.key}` "
                f"cannot be recomputed from predictions (only {', '.join(METRIC_NAMES)})",
                "use `regression: point` for this metric",
            )
        if problem:
            field, message, hint = problem
            raise ConfigError(
                message, file=file, key=f"modelci.gates[{index}].{field}", line=gate.line, hint=hint
            )
        first[change.name] = index
    by_source = {interval.source: interval for interval in intervals}
    return [
        _evaluate(gate, change, by_source.get(change.name) if change else None)
        for gate, change in zip(gates, resolved, strict=True)
    ]


def _at(gate: GateConfig) -> str:
    return f" (line {gate.line})" if gate.line is not None else ""


def _evaluate(
    gate: GateConfig, change: Change | None, interval: MetricInterval | None = None
) -> GateResult:
    base = change.base if change and change.in_base else None
    head = change.head if change and change.in_head else None
    reasons: list[str] = []
    notes: list[str] = []

    if change is None or not change.in_head:
        reasons.append(
            f"`{gate.metric}` is missing from the head's metrics: "
            "did the evaluation stage write it?"
        )
    elif not is_number(head):
        reasons.append(f"`{gate.metric}` is not a number on the head ({head!r})")
    else:
        assert head is not None  # is_number() said so
        value = float(head)
        if gate.threshold is not None and not _meets(value, gate.threshold, gate.direction):
            sign = ">=" if gate.direction == "higher" else "<="
            reasons.append(f"{gate.metric} = {value:g}, required {sign} {gate.threshold:g}")
        if gate.max_regression is not None:
            if base is None:
                notes.append("no base value: regression check skipped")
            elif not is_number(base):
                notes.append(f"base value {base!r} is not a number: regression check skipped")
            else:
                reason = _regression(gate, float(base), value)
                if reason and gate.regression == "significant":
                    reason = _significance(gate, float(base), value, reason, interval, notes)
                if reason:
                    reasons.append(reason)

    return GateResult(
        metric=gate.metric,
        source=change.name if change else None,
        base=base,
        head=head,
        threshold=gate.threshold,
        direction=gate.direction,
        max_regression=gate.max_regression,
        passed=not reasons,
        reasons=tuple(reasons),
        notes=tuple(notes),
        line=gate.line,
    )


def _meets(value: float, threshold: float, direction: Direction) -> bool:
    if direction == "higher":
        return value >= threshold - _EPSILON
    return value <= threshold + _EPSILON


def _regression(gate: GateConfig, base: float, head: float) -> str | None:
    assert gate.max_regression is not None
    allowed = gate.max_regression.allowed(base)
    worsening = base - head if gate.direction == "higher" else head - base
    if worsening <= allowed + _EPSILON:
        return None
    return (
        f"{gate.metric} regressed from {base:g} to {head:g} "
        f"({head - base:+g}); "
        f"allowed: {gate.max_regression}"
    )


def _significance(
    gate: GateConfig,
    base: float,
    head: float,
    reason: str,
    interval: MetricInterval | None,
    notes: list[str],
) -> str | None:
    """A point regression stands only if the change's interval lies wholly on the worse side of 0.

    Returns the failing reason, or None with a note when the drop is within noise.
    """
    delta = interval.delta if interval else None
    if delta is None:
        why = "no interval for this metric" if interval is None else "no interval for the change"
        notes.append(
            f"regression: significant, but {why} (see the report's warnings): "
            "judged on the point values"
        )
        return reason
    level = f"{delta.confidence:.0%}"
    span = f"{delta.low:+.3g} to {delta.high:+.3g}"
    if (delta.high < 0) if gate.direction == "higher" else (delta.low > 0):
        return f"{reason}; its {level} interval ({span}) excludes 0: not noise"
    notes.append(
        f"{gate.metric} worsened by {abs(head - base):.3g} ({base:g} to {head:g}), beyond the "
        f"allowed {gate.max_regression}, but its {level} interval ({span}) includes 0: "
        "within noise"
    )
    return None
