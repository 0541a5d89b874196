"""Column kinds, read as Evidently reads them, and each column turned into its test sample.

- Text, booleans and pandas categories are categorical.
- Integer columns with at most 10 distinct values in the current data are categorical
  (Evidently's data definition reads kinds from the current data).
- Any numeric column with at most 5 distinct values over both sides is tested as categorical
  (Evidently's default choice of test counts it so).
- Other numeric columns are numeric. Missing and infinite values are left out of the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from modelci.drift.stattests import ColumnKind, Counts, Numeric, Sample
from modelci.drift.stattests.binning import counts_from_sorted, distinct_sorted
from modelci.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

INTEGER_CATEGORIES = 10
NUMERIC_CATEGORIES = 5


@dataclass(frozen=True)
class Column:
    """One column ready for testing: its kind, its sample and the rows left out as missing."""

    name: str
    kind: ColumnKind
    sample: Sample
    distinct: int  # distinct values over both sides
    reference_missing: int
    current_missing: int

    @property
    def reference_rows(self) -> int:
        return _rows(self.sample, reference=True)

    @property
    def current_rows(self) -> int:
        return _rows(self.sample, reference=False)


def prepare_column(
    name: str,
    reference: pd.Series,
    current: pd.Series,
    *,
    kind: ColumnKind | None = None,
    where: tuple[str, str] = ("the reference data", "the current data"),
) -> Column:
    """The column's kind (or the forced one) and its sample; DataError on unusable data."""
    import pandas as pd

    for series, side in ((reference, where[0]), (current, where[1])):
        if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(
            series
        ):
            raise DataError(
                f"column `{name}` holds dates or durations ({series.dtype}) in {side}; "
                "drift detection tests numbers and categories",
                hint="Add the column to modelci.drift.exclude in params.yaml.",
            )
    ref_numeric, cur_numeric = _is_numeric(reference), _is_numeric(current)
    if ref_numeric != cur_numeric:
        raise _type_mismatch(name, reference, current, ref_numeric, where)
    if not ref_numeric and kind is ColumnKind.NUMERIC:
        raise DataError(
            f"column `{name}` is set to kind numeric in modelci.drift.columns, but holds "
            f"{reference.dtype} values",
            hint="Remove its `kind: numeric`, or fix the data.",
        )
    if not ref_numeric:
        return _categorical(name, reference, current, where)
    ref_values, ref_missing = _finite_sorted(reference)
    cur_values, cur_missing = _finite_sorted(current)
    _require_values(name, len(ref_values), len(cur_values), where)
    ref_distinct, cur_distinct = distinct_sorted(ref_values), distinct_sorted(cur_values)
    if kind is None:
        few = max(ref_distinct, cur_distinct) <= NUMERIC_CATEGORIES
        if few:
            few = (
                len(np.union1d(np.unique(ref_values), np.unique(cur_values))) <= NUMERIC_CATEGORIES
            )
        integer_codes = (
            pd.api.types.is_integer_dtype(current) and cur_distinct <= INTEGER_CATEGORIES
        )
        kind = ColumnKind.CATEGORICAL if few or integer_codes else ColumnKind.NUMERIC
    if kind is ColumnKind.CATEGORICAL:
        counts = counts_from_sorted(ref_values, cur_values)
        return Column(name, kind, counts, len(counts.labels), ref_missing, cur_missing)
    distinct = max(ref_distinct, cur_distinct)  # at least; exact counts matter only when few
    return Column(name, kind, Numeric(ref_values, cur_values), distinct, ref_missing, cur_missing)


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def _finite_sorted(series: pd.Series) -> tuple[np.ndarray, int]:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    finite.sort()
    return finite, len(values) - len(finite)


def _categorical(
    name: str, reference: pd.Series, current: pd.Series, where: tuple[str, str]
) -> Column:
    ref_counts = reference.value_counts(dropna=True, sort=False)
    cur_counts = current.value_counts(dropna=True, sort=False)
    _require_values(name, int(ref_counts.sum()), int(cur_counts.sum()), where)
    # Reference categories first (most common first), then the ones new in the current data.
    labels = ref_counts.sort_values(ascending=False, kind="stable").index.append(
        cur_counts.index.difference(ref_counts.index, sort=False)
    )
    counts = Counts(
        labels=tuple(labels.tolist()),
        reference=ref_counts.reindex(labels, fill_value=0).to_numpy(dtype=np.int64),
        current=cur_counts.reindex(labels, fill_value=0).to_numpy(dtype=np.int64),
    )
    return Column(
        name,
        ColumnKind.CATEGORICAL,
        counts,
        len(labels),
        int(reference.isna().sum()),
        int(current.isna().sum()),
    )


def _require_values(name: str, ref_rows: int, cur_rows: int, where: tuple[str, str]) -> None:
    for rows, side in ((ref_rows, where[0]), (cur_rows, where[1])):
        if rows == 0:
            raise DataError(
                f"column `{name}` has no values in {side} (every row is missing)",
                hint="Fix the feed that writes it, or add the column to modelci.drift.exclude.",
            )


def _type_mismatch(
    name: str,
    reference: pd.Series,
    current: pd.Series,
    ref_numeric: bool,
    where: tuple[str, str],
) -> DataError:
    import pandas as pd

    text, side = (current, where[1]) if ref_numeric else (reference, where[0])
    present = text.dropna()
    bad = present[pd.to_numeric(present, errors="coerce").isna()]
    examples = ", ".join(repr(value) for value in bad.unique()[:3].tolist())
    return DataError(
        f"column `{name}` is numeric in {where[1] if not ref_numeric else where[0]} "
        f"but not in {side}"
        + (f" (values such as {examples})" if examples else f" ({text.dtype})"),
        hint="The data does not match the reference's schema: fix the feed, or validate it "
        "with --schema to list every bad value.",
    )


def _rows(sample: Sample, *, reference: bool) -> int:
    if isinstance(sample, Numeric):
        return len(sample.reference if reference else sample.current)
    return int((sample.reference if reference else sample.current).sum())
