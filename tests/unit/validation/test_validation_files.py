"""validate_file: every failure kind, exact counts and rows, lazy reporting, CSV and Parquet."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from modelci.errors import ConfigError, DataError, ExitCode
from modelci.validation import (
    CheckFailure,
    FailureSample,
    ValidationResult,
    load_schema,
    validate_file,
    validate_files,
)

Write = Callable[[str, str], Path]


def S(row: int | None, value: str) -> FailureSample:  # short for readability
    return FailureSample(row, value)


def _parquet(tmp_path: Path, frame: pd.DataFrame, name: str = "data.parquet", **kw: object) -> Path:
    path = tmp_path / name
    frame.to_parquet(path, **({"index": False} | kw))  # type: ignore[arg-type]
    return path


def _by_check(result: ValidationResult) -> dict[tuple[str | None, str], CheckFailure]:
    return {(f.column, f.check): f for f in result.failures}


# --- valid data and the result's fields ----------------------------------------------------------


def test_valid_csv(write: Write, tmp_path: Path) -> None:
    path = write("t.csv", "id,amount\n1,2.5\n2,3.0\n")
    schema = pa.DataFrameSchema({"id": pa.Column("int64"), "amount": pa.Column("float64")})

    result = validate_file(path, schema)

    assert result == ValidationResult(
        dataset="t.csv",
        path=str(path),
        schema="<unnamed schema>",
        rows=2,
        failures=(),
        failed_row_count=0,
    )
    assert result.valid is True
    assert result.failed_rows == 0


def test_result_names_the_spec_the_schema_was_loaded_from(write: Write, tmp_path: Path) -> None:
    write("schemas/s.yaml", "columns:\n  id:\n    dtype: int64\n")
    path = write("t.csv", "id\n1\n")

    schema = load_schema("schemas/s.yaml", base_dir=tmp_path)
    result = validate_file(path, schema, name="transactions")

    assert result.schema == "schemas/s.yaml"
    assert result.dataset == "transactions"


def test_schema_name_and_dataframe_model_class_are_used_as_labels(write: Write) -> None:
    path = write("t.csv", "amount\n1.0\n")

    class Amounts(pa.DataFrameModel):
        amount: float = pa.Field(gt=0)

    named = pa.DataFrameSchema({"amount": pa.Column("float64")}, name="amounts")

    assert validate_file(path, named).schema == "amounts"
    assert validate_file(path, Amounts).schema == "Amounts"
    assert validate_file(path, Amounts).valid is True


# --- each failure kind ---------------------------------------------------------------------------


def test_nulls_are_reported_with_rows_and_lines(write: Write) -> None:
    path = write("t.csv", "amount\n1.0\n\n2.0\nNA\n")
    schema = pa.DataFrameSchema({"amount": pa.Column("float64", nullable=False)})

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("amount", "not_nullable", 2, (S(1, "null"), S(3, "null"))),
    )
    assert [s.line for s in result.failures[0].samples] == [3, 5]
    assert result.failed_rows == 2


def test_out_of_range_values(write: Write) -> None:
    path = write("t.csv", "amount,hour\n1.0,0\n-5.0,23\n0.0,24\n3.0,-1\n")
    schema = pa.DataFrameSchema(
        {
            "amount": pa.Column("float64", pa.Check.gt(0)),
            "hour": pa.Column("int64", pa.Check.in_range(0, 23)),
        }
    )

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("amount", "greater_than(0)", 2, (S(1, "-5.0"), S(2, "0.0"))),
        CheckFailure("hour", "in_range(0, 23)", 2, (S(2, "24"), S(3, "-1"))),
    )
    assert result.failed_rows == 3


def test_unknown_categories(write: Write) -> None:
    path = write("t.csv", "category\nfood\nFood\ntravel\nspace\n")
    schema = pa.DataFrameSchema({"category": pa.Column(str, pa.Check.isin(["food", "travel"]))})

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("category", "isin(['food', 'travel'])", 2, (S(1, "'Food'"), S(3, "'space'"))),
    )


def test_values_that_are_not_of_the_dtype_are_reported_per_row(write: Write) -> None:
    # "unknown" makes pandas read the column as text; report the values, not "dtype str".
    path = write("t.csv", "qty\n1\nunknown\n-3\n4\n12x\n")
    schema = pa.DataFrameSchema({"qty": pa.Column("int64", pa.Check.ge(0))})

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("qty", "dtype('int64')", 2, (S(1, "'unknown'"), S(4, "'12x'"))),
        # the check could not run on text: it is run again on the values that are integers
        CheckFailure("qty", "greater_than_or_equal_to(0)", 1, (S(2, "-3"),)),
    )
    assert result.failed_rows == 3


def test_values_that_cannot_be_coerced_are_reported_once(write: Write) -> None:
    path = write("t.csv", "n\n1\nunknown\n3\nx\n")
    schema = pa.DataFrameSchema({"n": pa.Column("int64", coerce=True)})

    result = validate_file(path, schema)

    # pandera also reports dtype('int64') for the same rows; the coercion failure says it all
    assert result.failures == (
        CheckFailure("n", "coerce_dtype('int64')", 2, (S(1, "'unknown'"), S(3, "'x'"))),
    )


def test_a_column_of_the_wrong_dtype_with_no_bad_value_is_table_wide(tmp_path: Path) -> None:
    path = _parquet(tmp_path, pd.DataFrame({"a": [1, 2, 3]}))
    schema = pa.DataFrameSchema({"a": pa.Column("float64")})

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure("a", "dtype('float64')", 0, (S(None, "int64"),)),)
    assert result.failures[0].table_wide is True
    assert result.failed_rows == 0
    assert result.valid is False


def test_missing_column(write: Write) -> None:
    path = write("t.csv", "id\n1\n")
    schema = pa.DataFrameSchema({"id": pa.Column("int64"), "amount": pa.Column("float64")})

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure("amount", "column_in_dataframe", 0, ()),)


def test_unexpected_column_with_a_strict_schema(write: Write) -> None:
    path = write("t.csv", "id,extra\n1,x\n")
    strict = pa.DataFrameSchema({"id": pa.Column("int64")}, strict=True)
    lenient = pa.DataFrameSchema({"id": pa.Column("int64")})

    assert validate_file(path, strict).failures == (
        CheckFailure("extra", "column_in_schema", 0, ()),
    )
    assert validate_file(path, lenient).valid is True


def test_duplicates(write: Write) -> None:
    path = write("t.csv", "id\n1\n7\n2\n7\n7\n")
    schema = pa.DataFrameSchema({"id": pa.Column("int64", unique=True)})

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("id", "field_uniqueness", 3, (S(1, "7"), S(3, "7"), S(4, "7"))),
    )


def test_dataframe_level_check_shows_the_fields_of_the_failing_row(tmp_path: Path) -> None:
    path = _parquet(tmp_path, pd.DataFrame({"a": [1, 2, 5], "b": [2, 3, 1]}))
    schema = pa.DataFrameSchema(
        {"a": pa.Column("int64"), "b": pa.Column("int64")},
        checks=[pa.Check(lambda df: df["a"] < df["b"], name="a_lt_b")],
    )

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure(None, "a_lt_b", 1, (S(2, "a=5, b=1"),)),)


def test_duplicates_over_several_columns(tmp_path: Path) -> None:
    path = _parquet(tmp_path, pd.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "x"]}))
    schema = pa.DataFrameSchema({"a": pa.Column("int64"), "b": pa.Column(str)}, unique=["a", "b"])

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure(
            None, "multiple_fields_uniqueness", 2, (S(0, "a=1, b='x'"), S(2, "a=1, b='x'"))
        ),
    )


def test_a_check_that_raises_is_reported_with_its_error(tmp_path: Path) -> None:
    def boom(series: pd.Series) -> pd.Series:
        raise ValueError("nope")

    path = _parquet(tmp_path, pd.DataFrame({"a": [1, 2, 3]}))
    schema = pa.DataFrameSchema({"a": pa.Column("int64", pa.Check(boom, name="boom"))})

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure("a", "boom", 0, (S(None, 'ValueError("nope")'),)),)


def test_schema_that_drops_invalid_rows_still_reports_them(tmp_path: Path) -> None:
    path = _parquet(tmp_path, pd.DataFrame({"a": [1, -2, 3]}))
    schema = pa.DataFrameSchema({"a": pa.Column("int64", pa.Check.gt(0))}, drop_invalid_rows=True)

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure("a", "greater_than(0)", 1, (S(1, "-2"),)),)
    assert schema.drop_invalid_rows is True  # the caller's schema is left alone


# --- lazy: everything in one pass ----------------------------------------------------------------

BAD_CSV = """\
id,amount,qty,category,n,extra
1,1.0,5,food,1,x
2,-5.0,unknown,space,unknown,y
2,,-3,,3,z
4,3.0,-1,travel,x,w
"""

ALL_KINDS = pa.DataFrameSchema(
    {
        "id": pa.Column("int64", unique=True),
        "amount": pa.Column("float64", pa.Check.gt(0)),
        "qty": pa.Column("int64", pa.Check.ge(0)),
        "category": pa.Column(str, pa.Check.isin(["food", "travel"])),
        "n": pa.Column("int64", coerce=True),
        "missing": pa.Column("int64"),
    },
    strict=True,
)


def test_every_failure_is_reported_in_one_pass(write: Write) -> None:
    result = validate_file(write("bad.csv", BAD_CSV), ALL_KINDS)

    assert result.failures == (
        CheckFailure("extra", "column_in_schema", 0, ()),
        CheckFailure("missing", "column_in_dataframe", 0, ()),
        CheckFailure("n", "coerce_dtype('int64')", 2, (S(1, "'unknown'"), S(3, "'x'"))),
        CheckFailure("id", "field_uniqueness", 2, (S(1, "2"), S(2, "2"))),
        CheckFailure("amount", "not_nullable", 1, (S(2, "null"),)),
        CheckFailure("amount", "greater_than(0)", 1, (S(1, "-5.0"),)),
        CheckFailure("qty", "dtype('int64')", 1, (S(1, "'unknown'"),)),
        CheckFailure("qty", "greater_than_or_equal_to(0)", 2, (S(2, "-3"), S(3, "-1"))),
        CheckFailure("category", "not_nullable", 1, (S(2, "null"),)),
        CheckFailure("category", "isin(['food', 'travel'])", 1, (S(1, "'space'"),)),
    )
    assert result.rows == 4
    assert result.failed_rows == 3  # rows 1, 2 and 3; row 0 is clean


def test_parquet_reports_the_same_failures_without_csv_specifics(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2, 2, 4],
            "amount": [1.0, -5.0, None, 3.0],
            "category": ["food", "space", None, "travel"],
        }
    )
    schema = ALL_KINDS.remove_columns(["qty", "n", "missing"])

    result = validate_file(_parquet(tmp_path, frame), schema)

    assert result.failures == (
        CheckFailure("id", "field_uniqueness", 2, (S(1, "2"), S(2, "2"))),
        CheckFailure("amount", "not_nullable", 1, (S(2, "null"),)),
        CheckFailure("amount", "greater_than(0)", 1, (S(1, "-5.0"),)),
        CheckFailure("category", "not_nullable", 1, (S(2, "null"),)),
        CheckFailure("category", "isin(['food', 'travel'])", 1, (S(1, "'space'"),)),
    )
    assert result.to_dict()["failures"][0]["samples"][0] == {"row": 1, "line": None, "value": "2"}


# --- samples and counts --------------------------------------------------------------------------


def test_count_is_every_failing_row_and_samples_are_the_first_rows(tmp_path: Path) -> None:
    amounts = np.ones(50_000)
    failing = np.arange(7, 50_000, 2)  # 24,997 rows
    amounts[failing] = -1.0
    path = _parquet(tmp_path, pd.DataFrame({"amount": amounts}))
    schema = pa.DataFrameSchema({"amount": pa.Column("float64", pa.Check.gt(0))})

    result = validate_file(path, schema, max_samples=3)

    assert result.failures == (
        CheckFailure(
            "amount", "greater_than(0)", 24_997, (S(7, "-1.0"), S(9, "-1.0"), S(11, "-1.0"))
        ),
    )
    assert result.failed_rows == 24_997
    assert result.rows == 50_000


def test_max_samples_zero_keeps_counts(write: Write) -> None:
    path = write("t.csv", "amount\n-1\n-2\n")
    schema = pa.DataFrameSchema({"amount": pa.Column("int64", pa.Check.gt(0))})

    result = validate_file(path, schema, max_samples=0)

    assert result.failures == (CheckFailure("amount", "greater_than(0)", 2, ()),)


def test_negative_max_samples_is_a_programming_error(write: Write) -> None:
    path = write("t.csv", "a\n1\n")
    with pytest.raises(ValueError, match="max_samples must be >= 0, got -1"):
        validate_file(path, pa.DataFrameSchema({"a": pa.Column("int64")}), max_samples=-1)


# --- uniqueness (pandera's check is skipped only when uniqueness is proven) ----------------------


@pytest.mark.parametrize(
    ("values", "duplicate_rows"),
    [
        (np.arange(100_000), []),  # sorted: proven unique
        (np.random.default_rng(1).permutation(100_000), []),  # dense range: proven unique
        (np.arange(0, 10**12, 10**7), []),  # sparse, sorted: proven unique
        (np.r_[np.arange(1000), 500], [500, 1000]),  # sorted but for the last value
        (np.r_[np.random.default_rng(2).permutation(1000), 17], None),  # dense, one repeat
        (np.r_[np.arange(0, 10**12, 10**9)[::-1], 0], [999, 1000]),  # sparse, unsorted
    ],
)
def test_uniqueness_of_integer_columns(
    tmp_path: Path, values: np.ndarray, duplicate_rows: list[int] | None
) -> None:
    values = values.astype("int64")
    if duplicate_rows is None:
        duplicate_rows = sorted(int(i) for i in np.flatnonzero(values == 17))
    path = _parquet(tmp_path, pd.DataFrame({"id": values}))
    schema = pa.DataFrameSchema({"id": pa.Column("int64", unique=True)})

    result = validate_file(path, schema)

    if not duplicate_rows:
        assert result.failures == ()
    else:
        (failure,) = result.failures
        assert (failure.column, failure.check, failure.count) == ("id", "field_uniqueness", 2)
        assert [s.row for s in failure.samples] == duplicate_rows
    assert schema.columns["id"].unique is True  # the caller's schema is left alone


def test_uniqueness_after_coercion_is_checked_by_pandera(tmp_path: Path) -> None:
    # 1.2 and 1.4 are distinct floats but the same integer once coerced.
    path = _parquet(tmp_path, pd.DataFrame({"id": [1.2, 1.4, 3.0]}))
    schema = pa.DataFrameSchema({"id": pa.Column("int64", unique=True, coerce=True)})

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure("id", "field_uniqueness", 2, (S(0, "1"), S(1, "1"))),)


def test_unique_datetimes(tmp_path: Path) -> None:
    times = pd.date_range("2024-01-01", periods=1000, freq="min").as_unit("ns")
    good = _parquet(tmp_path, pd.DataFrame({"ts": times}), "good.parquet")
    bad = _parquet(tmp_path, pd.DataFrame({"ts": times.append(times[:1])}), "bad.parquet")
    schema = pa.DataFrameSchema({"ts": pa.Column("datetime64[ns]", unique=True)})

    assert validate_file(good, schema).valid is True
    (failure,) = validate_file(bad, schema).failures
    assert failure == CheckFailure(
        "ts", "field_uniqueness", 2, (S(0, "2024-01-01 00:00:00"), S(1000, "2024-01-01 00:00:00"))
    )


# --- reading -------------------------------------------------------------------------------------


def test_blank_lines_stay_rows_so_lines_match_the_file(write: Write) -> None:
    path = write("t.csv", "amount\n1.0\n\n-2.0\n")
    schema = pa.DataFrameSchema({"amount": pa.Column("float64", pa.Check.gt(0))})

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("amount", "not_nullable", 1, (S(1, "null"),)),
        CheckFailure("amount", "greater_than(0)", 1, (S(2, "-2.0"),)),
    )
    assert [f.samples[0].line for f in result.failures] == [3, 4]


def test_lines_count_quoted_newlines_as_the_parser_does(write: Write) -> None:
    # Row 0's note spans three lines, so row 1 starts on line 5 and row 2 on line 6.
    path = write("t.csv", 'amount,note\n1.0,"first\nsecond\nthird"\n-2.0,x\n-3.0,"y"\n')
    schema = pa.DataFrameSchema(
        {"amount": pa.Column("float64", pa.Check.gt(0)), "note": pa.Column(str)}
    )

    result = validate_file(path, schema)

    (failure,) = result.failures
    assert failure.samples == (S(1, "-2.0"), S(2, "-3.0"))
    assert [s.line for s in failure.samples] == [5, 6]
    assert [s["line"] for s in result.to_dict()["failures"][0]["samples"]] == [5, 6]


def test_lines_after_a_quoted_newline_in_a_gzipped_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt", newline="") as handle:
        handle.write('"amount\nin euros"\r\n1.0\r\n-2.0\r\n')
    schema = pa.DataFrameSchema({"amount\nin euros": pa.Column("float64", pa.Check.gt(0))})

    (failure,) = validate_file(path, schema).failures

    assert [(s.row, s.line) for s in failure.samples] == [(1, 4)]


def test_text_columns_are_read_as_text(write: Write) -> None:
    path = write("t.csv", "zip,n\n01234,1\n00042,2\n")
    schema = pa.DataFrameSchema(
        {"zip": pa.Column(str, pa.Check.isin(["01234", "00042"])), "n": pa.Column("int64")}
    )

    assert validate_file(path, schema).valid is True


def test_csv_datetimes_are_parsed_and_bad_ones_reported(write: Write) -> None:
    schema = pa.DataFrameSchema({"ts": pa.Column("datetime64[ns]", nullable=True)})
    good = write("good.csv", "ts\n2024-01-01 09:30:00\n\n2024-01-02 10:00:00\n")
    bad = write("bad.csv", "ts\n2024-01-01\nnotadate\n2024-01-03\n")

    assert validate_file(good, schema).valid is True
    assert validate_file(bad, schema).failures == (
        CheckFailure("ts", "dtype('datetime64[ns]')", 1, (S(1, "'notadate'"),)),
    )


def test_gzipped_csv_and_pq_suffix(tmp_path: Path) -> None:
    schema = pa.DataFrameSchema({"a": pa.Column("int64", pa.Check.gt(0))})
    gz = tmp_path / "t.csv.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write("a\n1\n-1\n")
    pq = _parquet(tmp_path, pd.DataFrame({"a": [-1, 1]}), "t.pq")

    assert validate_file(gz, schema).failures == (
        CheckFailure("a", "greater_than(0)", 1, (S(1, "-1"),)),
    )
    assert validate_file(pq, schema).failures == (
        CheckFailure("a", "greater_than(0)", 1, (S(0, "-1"),)),
    )


def test_parquet_index_becomes_a_column_and_rows_stay_positions(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [10, 20, 30], "amount": [1.0, 2.0, -1.0]}).set_index("id")
    path = _parquet(tmp_path, frame, index=True)
    schema = pa.DataFrameSchema(
        {"id": pa.Column("int64"), "amount": pa.Column("float64", pa.Check.gt(0))}, strict=True
    )

    result = validate_file(path, schema)

    assert result.failures == (CheckFailure("amount", "greater_than(0)", 1, (S(2, "-1.0"),)),)


def test_parquet_columns_the_schema_does_not_name_are_not_needed(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, -1], "other": ["x", "y"]})
    path = _parquet(tmp_path, frame)
    schema = pa.DataFrameSchema({"a": pa.Column("int64", pa.Check.gt(0)), "b": pa.Column("int64")})

    result = validate_file(path, schema)

    assert result.rows == 2
    assert result.failures == (
        CheckFailure("b", "column_in_dataframe", 0, ()),
        CheckFailure("a", "greater_than(0)", 1, (S(1, "-1"),)),
    )


# --- files that cannot be read -------------------------------------------------------------------

SCHEMA = pa.DataFrameSchema({"a": pa.Column("int64")})


def _data_error(path: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        validate_file(path, SCHEMA)
    assert caught.value.exit_code == ExitCode.VALIDATION_FAILED == 4
    return caught.value


def test_missing_file_names_it_and_suggests_dvc(tmp_path: Path) -> None:
    error = _data_error(tmp_path / "data" / "t.csv")

    assert str(error) == f"data file not found: {tmp_path}/data/t.csv"
    assert error.hint is not None and "`dvc pull`" in error.hint and "`dvc repro`" in error.hint


def test_unsupported_suffix(write: Write, tmp_path: Path) -> None:
    error = _data_error(write("t.json", "[]"))

    assert str(error) == f"unsupported data file type .json: {tmp_path}/t.json"
    assert (
        error.hint is not None and ".csv, .csv.gz" in error.hint and ".parquet, .pq" in error.hint
    )


def test_corrupt_parquet(write: Write, tmp_path: Path) -> None:
    error = _data_error(write("t.parquet", "a\n1\n"))

    assert str(error).startswith(f"cannot read {tmp_path}/t.parquet: ")
    assert "Parquet" in str(error)


def test_empty_csv(write: Write, tmp_path: Path) -> None:
    error = _data_error(write("t.csv", ""))

    assert str(error) == f"{tmp_path}/t.csv is empty (not even a header line)"


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    lines = "".join(f"{n}\n" for n in np.random.default_rng(3).integers(0, 10**9, 5000))
    data = gzip.compress(("a\n" + lines).encode())
    path.write_bytes(data[: len(data) // 2])

    error = _data_error(path)

    assert str(error).startswith(f"cannot read {path}: ")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()

    assert str(_data_error(tmp_path / "d.csv")) == f"not a file: {tmp_path}/d.csv"


# --- several files, JSON -------------------------------------------------------------------------


def test_validate_files_loads_the_schema_before_reading_data(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^schema file not found: nope\.yaml "):
        validate_files([tmp_path / "missing.csv"], "nope.yaml", base_dir=tmp_path)


def test_validate_files_in_order(write: Write, tmp_path: Path) -> None:
    write("s.yaml", "columns:\n  a:\n    dtype: int64\n    greater_than: 0\n")
    good, bad = write("good.csv", "a\n1\n"), write("bad.csv", "a\n0\n")

    results = validate_files([good, bad], "s.yaml", base_dir=tmp_path, max_samples=1)

    assert [(r.dataset, r.valid, r.schema) for r in results] == [
        ("good.csv", True, "s.yaml"),
        ("bad.csv", False, "s.yaml"),
    ]


def test_to_dict_is_json_safe_with_stable_keys(write: Write) -> None:
    path = write("t.csv", "amount\n-1.5\n")
    schema = pa.DataFrameSchema({"amount": pa.Column("float64", pa.Check.gt(0))}, name="s")

    result = validate_file(path, schema, name="tx")

    assert json.loads(json.dumps(result.to_dict())) == {
        "dataset": "tx",
        "path": str(path),
        "schema": "s",
        "rows": 1,
        "valid": False,
        "failed_rows": 1,
        "failures": [
            {
                "column": "amount",
                "check": "greater_than(0)",
                "count": 1,
                "table_wide": False,
                "samples": [{"row": 0, "line": 2, "value": "-1.5"}],
            }
        ],
    }


def test_pandera_is_left_as_it_was(tmp_path: Path) -> None:
    from pandera.backends.pandas import base as backend

    before = backend.format_vectorized_error_message  # type: ignore[attr-defined]
    path = _parquet(tmp_path, pd.DataFrame({"a": [-1, -2]}))

    result = validate_file(path, pa.DataFrameSchema({"a": pa.Column("int64", pa.Check.gt(0))}))

    assert result.failures[0].count == 2
    assert backend.format_vectorized_error_message is before  # type: ignore[attr-defined]


def test_index_the_schema_validates_is_kept_and_rows_are_positions(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=pd.Index([5, -1, 7], name="k"))
    path = _parquet(tmp_path, frame, index=True)
    schema = pa.DataFrameSchema(
        {"a": pa.Column("int64")}, index=pa.Index("int64", pa.Check.ge(0), name="k")
    )

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("(index k)", "greater_than_or_equal_to(0)", 1, (S(1, "-1"),)),
    )


def test_unique_text_column_is_checked(tmp_path: Path) -> None:
    path = _parquet(tmp_path, pd.DataFrame({"code": ["a", "b", "c", "b"]}))
    schema = pa.DataFrameSchema({"code": pa.Column(str, unique=True)})

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("code", "field_uniqueness", 2, (S(1, "'b'"), S(3, "'b'"))),
    )


def test_checks_run_on_the_values_that_coerce(write: Write) -> None:
    path = write("t.csv", "hour\n1\nnoon\n-3\n30\n")
    schema = pa.DataFrameSchema({"hour": pa.Column("int64", pa.Check.in_range(0, 23))}, coerce=True)

    result = validate_file(path, schema)

    assert result.failures == (
        CheckFailure("hour", "coerce_dtype('int64')", 1, (S(1, "'noon'"),)),
        CheckFailure("hour", "in_range(0, 23)", 2, (S(2, "-3"), S(3, "30"))),
    )
    assert result.failed_rows == 3
