"""Inputs of a validation: the file's kind, the schema to apply, and the file read into a frame.

CSV has no types, so a CSV file is read the way the schema describes it; a Parquet file is read
with only the columns that can affect the verdict. Either way the frame gets a positional index so
that failure indexes are row positions in the file.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.errors import DataError
from modelci.validation._results import CSV_SUFFIXES
from modelci.validation._schema import spec_of

if TYPE_CHECKING:
    import pandas as pd
    from pandera.api.pandas.container import DataFrameSchema

PARQUET_SUFFIXES = (".parquet", ".pq")


def file_kind(path: Path) -> str:
    lowered = path.name.lower()
    if lowered.endswith(CSV_SUFFIXES):
        return "csv"
    if lowered.endswith(PARQUET_SUFFIXES):
        return "parquet"
    suffix = "".join(path.suffixes[-2:]) or "(none)"
    raise DataError(
        f"unsupported data file type {suffix}: {path}",
        file=str(path),
        hint="modelci validates CSV (.csv, .csv.gz) and Parquet (.parquet, .pq) files; "
        "convert the file or point at one of those.",
    )


def resolve_schema(schema: Any) -> tuple[DataFrameSchema, str]:
    from pandera.api.pandas.container import DataFrameSchema
    from pandera.api.pandas.model import DataFrameModel

    label = spec_of(schema)
    if isinstance(schema, type) and issubclass(schema, DataFrameModel):
        label = label or schema.__name__
        schema = schema.to_schema()
    if not isinstance(schema, DataFrameSchema):
        raise TypeError(
            "validate_file() needs a pandera DataFrameSchema or DataFrameModel class "
            f"(see load_schema), got {type(schema).__name__}"
        )
    label = label or spec_of(schema) or schema.name or "<unnamed schema>"
    return _without_row_dropping(schema), label


def _without_row_dropping(schema: DataFrameSchema) -> DataFrameSchema:
    """A schema that drops invalid rows would hide them: validate with a copy that reports them."""
    components = list(schema.columns.values())
    if not schema.drop_invalid_rows and not any(c.drop_invalid_rows for c in components):
        return schema
    schema = copy.deepcopy(schema)
    schema.drop_invalid_rows = False
    for column in schema.columns.values():
        column.drop_invalid_rows = False
    return schema


_READ_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, EOFError)


def _read_error(path: Path, error: BaseException) -> DataError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return DataError(
        f"cannot read {path}: {detail}",
        file=str(path),
        hint="Check that the file is complete and of the type its name says (re-create it, or "
        "`dvc pull` it again).",
    )


def read_csv(path: Path, schema: DataFrameSchema) -> pd.DataFrame:
    import zlib

    import pandas as pd
    from pandera.dtypes import is_datetime, is_string

    text_columns = {
        name: "str"
        for name, column in schema.columns.items()
        if not column.regex and column.dtype is not None and is_string(column.dtype)
    }
    try:
        frame = pd.read_csv(
            path, dtype=text_columns or None, skip_blank_lines=False, low_memory=False
        )
    except pd.errors.EmptyDataError as error:
        raise DataError(
            f"{path} is empty (not even a header line)",
            file=str(path),
            hint="Write the CSV with a header line naming the columns.",
        ) from error
    except (*_READ_ERRORS, zlib.error) as error:  # type: ignore[misc]  # pandas has no stubs
        raise _read_error(path, error) from error
    for name, column in schema.columns.items():
        if column.regex or column.coerce or name not in frame.columns or column.dtype is None:
            continue
        if is_datetime(column.dtype) and not pd.api.types.is_datetime64_any_dtype(frame[name]):
            # Left as text when some value is not a date: validation reports those values.
            with contextlib.suppress(Exception):
                frame[name] = column.dtype.try_coerce(frame[name])
    return frame


def csv_row_lines(path: Path, rows: Iterable[int]) -> dict[int, int]:
    """The 1-based line on which each data row (0-based, after the header) starts.

    Rows are counted as a CSV parser counts them, so a quoted field with embedded newlines moves
    every later row down. Costs a scan of the file only when it has a quote character at all, and
    then only up to the last row asked for; only failing samples ask.
    """
    import csv
    import gzip

    wanted = sorted(set(rows))
    if not wanted:
        return {}
    opened = gzip.open if path.name.lower().endswith(".gz") else open
    with opened(path, "rb") as binary:
        quoted = any(b'"' in chunk for chunk in iter(lambda: binary.read(1 << 20), b""))
    if not quoted:  # every record is one physical line
        return {row: row + 2 for row in wanted}
    lines: dict[int, int] = {}
    with opened(path, "rt", encoding="utf-8", errors="replace", newline="") as text:
        reader = csv.reader(text)
        next(reader, None)  # the header
        start = reader.line_num + 1
        pending = iter(wanted)
        target = next(pending)
        for index, _record in enumerate(reader):
            if index == target:
                lines[index] = start
                next_target = next(pending, None)
                if next_target is None:
                    break
                target = next_target
            start = reader.line_num + 1
    return lines


def read_parquet(path: Path, schema: DataFrameSchema) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        columns = None
        if _prunable(schema):
            # Columns the schema does not mention cannot fail it: do not read them.
            wanted = set(schema.columns) | set(schema.unique or [])
            columns = [name for name in pq.read_schema(path).names if name in wanted]
        return pd.read_parquet(path, columns=columns)
    except (*_READ_ERRORS, pa.ArrowException) as error:
        raise _read_error(path, error) from error


def _prunable(schema: DataFrameSchema) -> bool:
    """True when columns the schema does not name cannot affect the verdict."""
    return not (
        schema.strict
        or schema.ordered
        or schema.checks
        or schema.add_missing_columns
        or schema.unique_column_names
        or schema.index is not None
        or schema.dtype is not None
        or any(column.regex for column in schema.columns.values())
    )


def positional_index(frame: pd.DataFrame, schema: DataFrameSchema) -> pd.DataFrame:
    """Give the frame a 0..n-1 index so that failure indexes are row positions in the file."""
    import pandas as pd

    if schema.index is not None:
        return frame  # the schema validates the index: keep it (rows are mapped by position)
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame
    # A Parquet file written from a frame with an index: named levels become columns again.
    named = any(level is not None for level in index.names)
    return frame.reset_index(drop=not named)
