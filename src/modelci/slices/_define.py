"""Which slice each test row falls in, column by column.

A categorical column's slices are its values on the head's test rows; a numeric column with
`bins` is cut at the edges (or at quantiles of the head's rows, for a count), with the values
below the first edge and from the last edge on as slices of their own. The head defines the
slices, so the base's rows are sorted into the same ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from modelci.config import SliceColumn
from modelci.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

MISSING = "missing"


@dataclass(frozen=True)
class Slicer:
    """The slices of one column, and how to sort any rows into them."""

    column: str
    labels: tuple[str, ...]
    edges: tuple[float, ...] | None = None  # numeric bins; None for a categorical column

    def codes(self, values: pd.Series) -> npt.NDArray[np.intp]:
        """Each value's slice (an index into `labels`), -1 for a value no slice holds."""
        import pandas as pd

        if self.edges is not None:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
            codes = np.searchsorted(np.asarray(self.edges), numbers, side="right").astype(np.intp)
            missing = self.labels.index(MISSING) if MISSING in self.labels else -1
            return np.where(np.isnan(numbers), missing, codes).astype(np.intp)
        index = pd.Index(self.labels)
        return np.asarray(index.get_indexer(_labels(values)), dtype=np.intp)


def define(setting: SliceColumn, frame: pd.DataFrame, *, data: str, max_slices: int) -> Slicer:
    """The slices of `setting.column` in `frame` (the head's test rows that were scored)."""
    import pandas as pd

    name = setting.column
    if name not in frame.columns:
        raise DataError(
            f"{data}: no column `{name}` to slice on "
            f"(columns: {', '.join(map(str, frame.columns))})",
            file=data,
            hint="name a column of the test data in `modelci.slices.columns`",
        )
    values = frame[name]
    if setting.bins is None:
        labels = _labels(values).value_counts(sort=False).index
        if len(labels) > max_slices:
            raise DataError(
                f"{data}: column `{name}` has {len(labels):,} distinct values, more slices than "
                f"`max_slices` ({max_slices})",
                file=data,
                hint=f"give `{name}` bins (edges, or a count of quantile bins) to slice it by "
                "range, or raise `modelci.slices.max_slices`",
            )
        ordered = sorted(str(label) for label in labels if label != MISSING)
        return Slicer(name, tuple(ordered + ([MISSING] if MISSING in set(labels) else [])))
    numbers = pd.to_numeric(values, errors="coerce")
    text = values[numbers.isna() & values.notna()]
    if len(text):
        raise DataError(
            f"{data}: column `{name}` has bins but holds values that are not numbers "
            f"({len(text):,} rows, e.g. {text.iloc[0]!r})",
            file=data,
            hint=f"drop `bins` from `{name}` to slice it by value",
        )
    edges = _edges(setting.bins, numbers.to_numpy(dtype=np.float64))
    labels = [f"< {edges[0]:g}"]
    labels += [f"[{low:g}, {high:g})" for low, high in itertools.pairwise(edges)]
    labels.append(f"≥ {edges[-1]:g}")
    if numbers.isna().any():
        labels.append(MISSING)
    return Slicer(name, tuple(labels), edges)


def _edges(
    bins: tuple[float, ...] | int | None, numbers: npt.NDArray[np.float64]
) -> tuple[float, ...]:
    if isinstance(bins, tuple):
        return bins
    present = numbers[~np.isnan(numbers)]
    if not len(present):
        return (0.0,)
    assert isinstance(bins, int)
    inner = np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])
    # Quantile edges at 4 significant digits: labels a reader can take in, and stable when the
    # same rows are read again; repeated values make fewer bins.
    rounded = np.unique([float(f"{edge:.4g}") for edge in inner])
    return tuple(float(edge) for edge in rounded)


def _labels(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna(MISSING).astype(object)
