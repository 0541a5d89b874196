"""Column kinds as Evidently reads them, and data that cannot be compared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelci.drift.kinds import prepare_column
from modelci.drift.stattests import ColumnKind, Counts, Numeric
from modelci.errors import DataError


def kind_of(reference: list[object], current: list[object] | None = None) -> ColumnKind:
    column = prepare_column("x", pd.Series(reference), pd.Series(current or reference))
    return column.kind


def test_floats_with_five_distinct_values_are_categorical_six_are_numeric() -> None:
    assert kind_of([0.5, 1.5, 2.5, 3.5, 4.5] * 3) is ColumnKind.CATEGORICAL
    assert kind_of([0.5, 1.5, 2.5, 3.5, 4.5, 5.5] * 3) is ColumnKind.NUMERIC


def test_five_values_counted_over_both_sides() -> None:
    # three values on each side, six together: numeric
    assert kind_of([1.5, 2.5, 3.5] * 3, [4.5, 5.5, 6.5] * 3) is ColumnKind.NUMERIC


def test_integers_with_ten_distinct_current_values_are_categorical() -> None:
    assert kind_of(list(range(10)) * 3) is ColumnKind.CATEGORICAL
    assert kind_of(list(range(11)) * 3) is ColumnKind.NUMERIC


def test_text_and_booleans_are_categorical_and_counted() -> None:
    column = prepare_column("c", pd.Series(["a", "b", "a", None]), pd.Series(["b", "c", "c", "c"]))
    assert column.kind is ColumnKind.CATEGORICAL
    assert isinstance(column.sample, Counts)
    assert dict(zip(column.sample.labels, column.sample.reference.tolist(), strict=True)) == {
        "a": 2,
        "b": 1,
        "c": 0,
    }
    assert column.sample.current.tolist() == [0, 1, 3]  # labels a, b, then the new c
    assert column.reference_missing == 1
    assert kind_of([True, False, True]) is ColumnKind.CATEGORICAL


def test_missing_and_infinite_values_are_left_out_and_counted() -> None:
    column = prepare_column(
        "x",
        pd.Series([3.0, np.nan, 1.0, np.inf, 2.0, 5.0, 4.0, 6.0]),
        pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -np.inf]),
    )
    assert isinstance(column.sample, Numeric)
    assert column.sample.reference.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert (column.reference_missing, column.current_missing) == (2, 1)
    assert (column.reference_rows, column.current_rows) == (6, 6)


def test_a_forced_kind_wins() -> None:
    column = prepare_column(
        "x", pd.Series(range(100)), pd.Series(range(100)), kind=ColumnKind.CATEGORICAL
    )
    assert column.kind is ColumnKind.CATEGORICAL and len(column.sample.labels) == 100  # type: ignore[union-attr]


def test_text_in_a_numeric_column_is_an_error_naming_the_values() -> None:
    with pytest.raises(DataError) as caught:
        prepare_column("age", pd.Series([1, 2, 3]), pd.Series(["4", "unknown", None]))
    assert str(caught.value) == (
        "column `age` is numeric in the reference data but not in the current data "
        "(values such as 'unknown')"
    )


def test_a_column_with_no_values_is_an_error() -> None:
    with pytest.raises(DataError, match=r"column `x` has no values in the current data"):
        prepare_column("x", pd.Series([1.0, 2.0]), pd.Series([np.nan, np.nan]))


def test_dates_are_refused_with_a_hint() -> None:
    dates = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"]))
    with pytest.raises(DataError, match=r"column `when` holds dates") as caught:
        prepare_column("when", dates, dates)
    assert caught.value.hint == "Add the column to modelci.drift.exclude in params.yaml."
