"""Gates: absolute thresholds and no-regression-against-base rules on metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from modelci.config import Direction, GateConfig, Tolerance
from modelci.errors import ConfigError
from modelci.metrics.diff import Change, is_number

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


def evaluate_gates(gates: Sequence[GateConfig], metrics: Sequence[Change]) -> list[GateResult]:
    return [_evaluate(gate, resolve_metric(gate.metric, metrics)) for gate in gates]


def _evaluate(gate: GateConfig, change: Change | None) -> GateResult:
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
