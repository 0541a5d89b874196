"""Bootstrap intervals as plain data: what the statistics compute and the report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The metrics the bootstrap can recompute from per-row predictions, named as the evaluate stage
# names them. Plain names here, so gates can ask without importing numpy (stats/_metrics.py
# holds the computations and checks that it covers exactly these).
METRIC_NAMES: tuple[str, ...] = (
    "f1",
    "precision",
    "recall",
    "accuracy",
    "roc_auc",
    "average_precision",
)


@dataclass(frozen=True)
class Interval:
    """A bootstrap confidence interval: `low` to `high` at `confidence` (0.95 = 95%)."""

    low: float
    high: float
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "confidence": self.confidence}


@dataclass(frozen=True)
class MetricInterval:
    """The uncertainty of one metric, recomputed from per-row predictions.

    `head` (and `base`, when the base's predictions could be read) bound the metric itself;
    `delta` bounds head minus base: from the same rows resampled together when `paired`, from
    each side resampled on its own otherwise.
    """

    metric: str  # what was recomputed: f1, precision, recall, roc_auc, average_precision, accuracy
    source: str  # `file:key` of the metric it annotates in Report.metrics and the gates
    head: Interval
    base: Interval | None = None
    delta: Interval | None = None
    paired: bool | None = None  # None when there is no delta
    resamples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "source": self.source,
            "head": self.head.to_dict(),
            "base": self.base.to_dict() if self.base else None,
            "delta": self.delta.to_dict() if self.delta else None,
            "paired": self.paired,
            "resamples": self.resamples,
        }
