"""What every statistical test shares: the two samples it compares, and its description.

A numeric column reaches a test as its finite values, sorted ascending (sorted once per column,
then reused by every test and by the histogram). A categorical column reaches it as counts per
category, aligned over the categories of both sides: it is counted, never compared row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


@dataclass(frozen=True)
class Numeric:
    """A numeric column on both sides: finite values only, each side sorted ascending."""

    reference: FloatArray
    current: FloatArray


@dataclass(frozen=True)
class Counts:
    """A categorical column on both sides: counts per category, aligned over `labels`."""

    labels: tuple[object, ...]
    reference: IntArray
    current: IntArray


Sample = Numeric | Counts

# How a statistic is read against its threshold, as Evidently reads each test.
DriftWhen = Literal["below", "at_or_below", "at_or_above"]


@dataclass(frozen=True)
class StatTest:
    """One drift test: its name in configuration, what it computes and when that means drift."""

    name: str
    title: str
    statistic: Literal["p_value", "distance"]
    kinds: frozenset[ColumnKind]
    default_threshold: float
    drift_when: DriftWhen
    compute: Callable[[Sample], float]

    def drifted(self, value: float, threshold: float) -> bool:
        if np.isnan(value):
            return False
        if self.drift_when == "below":
            return value < threshold
        if self.drift_when == "at_or_below":
            return value <= threshold
        return value >= threshold

    def comparison(self, drifted: bool) -> str:
        """The operator that relates the statistic to the threshold, for the reason text."""
        if self.drift_when == "at_or_above":
            return ">=" if drifted else "<"
        if self.drift_when == "at_or_below":
            return "<=" if drifted else ">"
        return "<" if drifted else ">="


def numeric_only(sample: Sample, test: str) -> Numeric:
    if not isinstance(sample, Numeric):
        raise TypeError(f"the {test} test compares numeric columns, not category counts")
    return sample


def counts_only(sample: Sample, test: str) -> Counts:
    if not isinstance(sample, Counts):
        raise TypeError(f"the {test} test compares category counts, not numeric values")
    return sample
