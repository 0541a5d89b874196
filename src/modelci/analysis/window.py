"""What one version served during an analysis window: counts and histograms, as /metrics gives.

A window holds increments, never cumulative totals: the difference of two scrapes, or a
Prometheus `increase(...[window])`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Histogram:
    """Observations per bucket: `counts[i]` in (bounds[i-1], bounds[i]]; the last bound is +inf."""

    bounds: tuple[float, ...]
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.bounds) != len(self.counts):
            raise ValueError("a histogram needs one count per bucket bound")
        if any(b <= a for a, b in zip(self.bounds, self.bounds[1:], strict=False)):
            raise ValueError(f"bucket bounds must rise, got {self.bounds}")

    @classmethod
    def from_cumulative(cls, cumulative: Mapping[float, float]) -> Histogram:
        """From Prometheus `le` buckets (cumulative, possibly fractional after `increase()`)."""
        bounds = sorted(cumulative)
        if not bounds or not math.isinf(bounds[-1]):
            bounds.append(math.inf)
        values = np.array([max(cumulative.get(b, 0.0), 0.0) for b in bounds])
        if not math.isinf(max(cumulative, default=0.0)):
            values[-1] = values[-2] if len(values) > 1 else 0.0
        # increase() extrapolates each bucket on its own, so the cumulative counts can dip.
        cumulative_counts = np.maximum.accumulate(np.rint(values)).astype(np.int64)
        counts = np.diff(cumulative_counts, prepend=0)
        return cls(bounds=tuple(bounds), counts=tuple(int(c) for c in counts))

    @property
    def total(self) -> int:
        return sum(self.counts)

    def quantile(self, q: float) -> float:
        """The q-quantile, linear inside its bucket (as Prometheus's histogram_quantile).

        Values in the +inf bucket are reported at the highest finite bound.
        """
        total = self.total
        if total == 0:
            return math.nan
        rank = q * total
        cumulative = 0
        for index, (bound, count) in enumerate(zip(self.bounds, self.counts, strict=True)):
            if count and cumulative + count >= rank:
                if math.isinf(bound):
                    return self.bounds[index - 1] if index else 0.0
                lower = self.bounds[index - 1] if index else 0.0
                return lower + (bound - lower) * (rank - cumulative) / count
            cumulative += count
        return self.bounds[-2] if len(self.bounds) > 1 else 0.0

    def mean(self) -> float:
        """The mean, each observation at its bucket's midpoint (+inf's at its lower bound)."""
        if self.total == 0:
            return math.nan
        lowers = (0.0, *self.bounds[:-1])
        mids = [
            lower if math.isinf(upper) else (lower + upper) / 2
            for lower, upper in zip(lowers, self.bounds, strict=True)
        ]
        return float(np.dot(mids, self.counts) / self.total)


@dataclass(frozen=True)
class VersionWindow:
    """One version (stable or canary) over one window."""

    requests: int
    errors: int
    latency: Histogram | None = None
    scores: Histogram | None = None
    classes: Mapping[str, int] = field(default_factory=dict)
    # Per-request durations in seconds, when a per-request source (a proxy's log) has them.
    durations: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.requests < 0 or not 0 <= self.errors <= self.requests:
            raise ValueError(
                f"a window needs 0 <= errors <= requests, got {self.errors} of {self.requests}"
            )


@dataclass(frozen=True)
class Window:
    """Canary and stable over the same window, at one step of the rollout."""

    stable: VersionWindow
    canary: VersionWindow
    seconds: float | None = None
