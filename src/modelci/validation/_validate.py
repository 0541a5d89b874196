"""Validate one CSV or Parquet file against a Pandera schema, lazily, and summarise the failures.

Cost model: on valid data the only work is reading the file and Pandera's vectorised checks (run
in place: no copy of the frame). Per-row Python work happens only for the few samples kept per
failing check; counts come from numpy over the failing row positions.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.errors import ConfigError, DataError
from modelci.validation._results import CheckFailure, FailureSample, ValidationResult
from modelci.validation._schema import load_schema, spec_of

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray
    from pandera.api.pandas.container import DataFrameSchema

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
_MAX_VALUE_CHARS = 120

# Pandera reasons whose failure case names a column (the table's shape is wrong, not a row).
_COLUMN_REASONS = frozenset(
    {
        "COLUMN_NOT_IN_DATAFRAME",
        "COLUMN_NOT_IN_SCHEMA",
        "COLUMN_NOT_ORDERED",
        "DUPLICATE_COLUMN_LABELS",
        "INVALID_COLUMN_NAME",
    }
)
_DTYPE_REASONS = frozenset({"WRONG_DATATYPE", "DATATYPE_COERCION"})


def validate_file(
    path: Path | str,
    schema: Any,
    *,
    name: str | None = None,
    max_samples: int = 5,
) -> ValidationResult:
    """Validate the CSV (`.csv`, `.csv.gz`) or Parquet (`.parquet`, `.pq`) file at `path`.

    `schema` is a pandera DataFrameSchema (from `load_schema`) or a DataFrameModel class. Every
    failure is collected (lazy validation), grouped per (column, check) with the exact number of
    failing rows and up to `max_samples` samples (lowest rows first).

    CSV has no types, so a CSV file is read the way the schema describes it: columns the schema
    declares as text are read as text (leading zeros survive), datetime columns are parsed when
    every value parses (otherwise the values that are not dates are reported), and other columns
    are inferred. Blank lines are kept as (empty) rows so that row `r` is on line `r + 2`.

    Raises DataError (exit 4) when the file is missing, of an unsupported type or unreadable,
    ConfigError (exit 3) when the schema cannot be applied at all.
    """
    if max_samples < 0:
        raise ValueError(f"max_samples must be >= 0, got {max_samples}")
    path_text = str(path)
    path = Path(path)
    kind = _file_kind(path)
    schema, label = _resolve_schema(schema)
    if not path.exists():
        raise DataError(
            f"data file not found: {path_text}",
            file=path_text,
            hint="If the file is tracked by DVC, fetch it with `dvc pull` or rebuild it with "
            "`dvc repro`; otherwise check the path.",
        )
    if not path.is_file():
        raise DataError(
            f"not a file: {path_text}",
            file=path_text,
            hint="Give the path of a CSV or Parquet file.",
        )
    frame = _read_csv(path, schema) if kind == "csv" else _read_parquet(path, schema)
    frame = _positional_index(frame, schema)
    failures, failed_rows = _collect(frame, schema, label, max_samples)
    return ValidationResult(
        dataset=name or path.name,
        path=path_text,
        schema=label,
        rows=len(frame),
        failures=failures,
        failed_row_count=failed_rows,
    )


def validate_files(
    paths: Sequence[Path | str],
    spec: str,
    *,
    base_dir: Path | None = None,
    max_samples: int = 5,
) -> list[ValidationResult]:
    """Load the schema `spec` once, then validate each file against it, in order.

    The schema is loaded before any file is read, so a schema error (ConfigError) wins over a
    data error (DataError); the first file that cannot be read stops the run.
    """
    schema = load_schema(spec, base_dir=base_dir)
    return [validate_file(path, schema, max_samples=max_samples) for path in paths]


# --- inputs --------------------------------------------------------------------------------------


def _file_kind(path: Path) -> str:
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


def _resolve_schema(schema: Any) -> tuple[DataFrameSchema, str]:
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


def _read_csv(path: Path, schema: DataFrameSchema) -> pd.DataFrame:
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


def _read_parquet(path: Path, schema: DataFrameSchema) -> pd.DataFrame:
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


def _positional_index(frame: pd.DataFrame, schema: DataFrameSchema) -> pd.DataFrame:
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


# --- running pandera -----------------------------------------------------------------------------

_PATCH_LOCK = threading.Lock()


@contextmanager
def _lean_failure_messages() -> Iterator[None]:
    """Skip Pandera's per-check message that joins every failing value into one string.

    We never show that message (failures are summarised from the failure cases), and building it
    is per-row Python work: ~3 s of the ~4 s Pandera spends on 1.5M failing values. If Pandera
    moves the function, nothing is patched and only speed is lost.
    """
    try:
        backend: Any = importlib.import_module("pandera.backends.pandas.base")
    except ImportError:  # pragma: no cover - pandera reorganised
        yield
        return
    original = getattr(backend, "format_vectorized_error_message", None)
    if original is None:  # pragma: no cover - pandera reorganised
        yield
        return

    def lean(parent_schema: Any, check: Any, check_index: int, *_: Any, **__: Any) -> str:
        kind = type(parent_schema).__name__
        return f"{kind} '{parent_schema.name}' failed check {check_index}: {check}"

    with _PATCH_LOCK:
        backend.format_vectorized_error_message = lean
        try:
            yield
        finally:
            backend.format_vectorized_error_message = original


def _skip_proven_unique(frame: pd.DataFrame, schema: DataFrameSchema) -> DataFrameSchema:
    """The schema without `unique: true` on the columns that are cheaply proven unique.

    Pandera's uniqueness check hashes the whole column (`Series.is_unique`): on 10M rows that is
    most of the validation time. An integer or datetime column that is strictly increasing, or
    whose values fit a range at most twice the row count with no value counted twice, is unique:
    its check can only pass, so it is skipped. Anything else is left to Pandera.
    """
    import pandas as pd
    from pandera.engines.pandas_engine import Engine

    proven = []
    for name, column in schema.columns.items():
        if not column.unique or column.regex or name not in frame.columns:
            continue
        series = frame[name]
        if not isinstance(series, pd.Series):  # pragma: no cover - duplicate column labels
            continue
        if column.dtype is not None and (schema.coerce or column.coerce):
            try:
                same_dtype = bool(column.dtype.check(Engine.dtype(series.dtype)))
            except Exception:  # pragma: no cover - exotic dtype
                same_dtype = False
            if not same_dtype:
                continue  # coercion could change the values (1.2, 1.4 -> 1, 1): let pandera run
        if _proven_unique(series):
            proven.append(name)
    if not proven:
        return schema
    return schema.update_columns({name: {"unique": False} for name in proven})


def _proven_unique(series: pd.Series) -> bool:
    import numpy as np

    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else None
    if kind not in ("i", "u", "M") or len(series) < 2:
        return False
    values = series.to_numpy()
    if kind == "M":
        if np.isnat(values).any():
            return False
        values = values.view(np.int64)
    if bool((values[1:] > values[:-1]).all()):
        return True
    low, high = int(values.min()), int(values.max())
    if high - low >= 2 * len(values):
        return False
    counts = np.bincount((values - low).astype(np.intp, copy=False))
    return bool(counts.max() <= 1)


def _run(frame: pd.DataFrame, schema: DataFrameSchema, label: str) -> list[Any]:
    """Validate lazily and in place; the list of pandera SchemaError (empty when valid)."""
    from pandera.errors import (
        BackendNotFoundError,
        SchemaDefinitionError,
        SchemaError,
        SchemaErrors,
    )

    with _lean_failure_messages():
        try:
            schema.validate(frame, lazy=True, inplace=True)
        except SchemaErrors as errors:
            return list(errors.schema_errors)
        except SchemaError as error:  # pragma: no cover - lazy validation raises SchemaErrors
            return [error]
        except (SchemaDefinitionError, BackendNotFoundError) as error:
            raise ConfigError(
                f"schema `{label}` cannot be applied to the data: {error}",
                hint="Fix the schema definition.",
            ) from error
    return []


# --- from pandera's errors to CheckFailure -------------------------------------------------------


@dataclass
class _Raw:
    """One pandera SchemaError, with failing rows as positions (-1: not about a row)."""

    column: str | None
    check: str
    reason: str
    positions: NDArray[np.int64]
    values: Any  # pandas Series of failure cases aligned with positions, or None
    fields: Any  # pandas Series of column names for table-level checks, or None
    scalar: str | None  # the failure case when it is not about rows


def _collect(
    frame: pd.DataFrame, schema: DataFrameSchema, label: str, max_samples: int
) -> tuple[tuple[CheckFailure, ...], int]:
    errors = _run(frame, _skip_proven_unique(frame, schema), label)
    if not errors:
        return (), 0
    raws = [_raw(error, frame.index) for error in errors]
    raws = _recheck_after_dtype_failures(raws, frame, schema, label)
    raws = _drop_redundant_dtype(raws)
    return _group(raws, max_samples, len(frame))


def _check_name(check: Any) -> str:
    """The check's name as pandera shows it in `failure_cases` (e.g. "greater_than(0)")."""
    if check is None:
        return "unknown"
    if isinstance(check, str):
        return check
    for candidate in (getattr(check, "error", None), getattr(check, "name", None)):
        if candidate is not None:
            return str(candidate)
    return str(check)


def _component_column(component: Any) -> str | None:
    kind = type(component).__name__
    if kind in ("Index", "MultiIndex"):
        name = getattr(component, "name", None)
        return "(index)" if name is None else f"(index {name})"
    if kind == "DataFrameSchema":
        return None
    name = getattr(component, "name", None)
    return None if name is None else str(name)


def _raw(error: Any, index: pd.Index) -> _Raw:
    import numpy as np
    import pandas as pd

    reason = getattr(error.reason_code, "name", str(error.reason_code))
    check = _check_name(error.check)
    column = _component_column(error.schema)
    if getattr(error, "column_name", None) is not None and column is not None:
        column = str(error.column_name)  # a regex column: the actual column
    cases = error.failure_cases
    none = np.empty(0, dtype=np.int64)
    if isinstance(cases, pd.Series):
        cases = pd.DataFrame({"index": cases.index, "failure_case": cases.to_numpy()})
    if not isinstance(cases, pd.DataFrame) or "index" not in cases:
        if reason in _COLUMN_REASONS:
            return _Raw(str(cases), check, reason, none, None, None, None)
        return _Raw(column, check, reason, none, None, None, _scalar_text(cases))
    positions = _positions(cases["index"], index)
    fields = cases["column"] if column is None and "column" in cases else None
    return _Raw(column, check, reason, positions, cases["failure_case"], fields, None)


def _positions(labels: pd.Series, index: pd.Index) -> NDArray[np.int64]:
    """Row positions of failure-case index labels; -1 where there is no row."""
    import numpy as np
    import pandas as pd

    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        numeric = pd.to_numeric(labels, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        out = np.full(len(numeric), -1, dtype=np.int64)
        known = ~np.isnan(numeric)
        out[known] = numeric[known].astype(np.int64)
        out[(out < 0) | (out >= len(index))] = -1
        return out
    if index.is_unique:
        try:
            return np.asarray(index.get_indexer(labels), dtype=np.int64)
        except (TypeError, ValueError):  # pragma: no cover - unusual labels
            pass
    return np.full(len(labels), -1, dtype=np.int64)


def _recheck_after_dtype_failures(
    raws: list[_Raw], frame: pd.DataFrame, schema: DataFrameSchema, label: str
) -> list[_Raw]:
    """Run the checks that errored on a column of the wrong dtype again, on its valid values.

    A CSV column with "unknown" among integers is read as text; pandera then reports the values
    that are not integers (good) but `greater_than(0)` cannot even run on text. Coerce the
    other values and run those checks on them, so one pass reports every failure.
    """
    import numpy as np
    import pandera.pandas as pa

    errored: dict[str, set[str]] = {}
    bad_rows: dict[str, list[NDArray[np.int64]]] = {}
    for raw in raws:
        if raw.column is None:
            continue
        if raw.reason in _DTYPE_REASONS and raw.positions.size:
            bad_rows.setdefault(raw.column, []).append(raw.positions)
        elif raw.reason == "CHECK_ERROR":
            errored.setdefault(raw.column, set()).add(raw.check)
    replaced: dict[str, list[_Raw]] = {}
    for name, check_names in errored.items():
        column = schema.columns.get(name)
        if name not in bad_rows or column is None or column.regex or name not in frame.columns:
            continue
        series = frame[name]
        keep = series.notna().to_numpy(dtype=bool, na_value=False, copy=True)
        bad = np.concatenate(bad_rows[name])
        keep[bad[bad >= 0]] = False
        checks = [check for check in column.checks if _check_name(check) in check_names]
        try:
            typed = column.dtype.try_coerce(series[keep])
        except Exception:  # noqa: S112 - cannot isolate valid values: keep the check errors
            continue
        probe = pa.DataFrameSchema({name: pa.Column(column.dtype, checks=checks, nullable=True)})
        replaced[name] = [_raw(e, frame.index) for e in _run(typed.to_frame(name), probe, label)]
    if not replaced:
        return raws
    out: list[_Raw] = []
    for raw in raws:
        if raw.column in replaced and raw.reason == "CHECK_ERROR":
            out.extend(replaced.pop(raw.column))  # in place of the first errored check
            replaced[raw.column] = []  # and drop the others: the probe ran them all
            continue
        out.append(raw)
    return out


def _drop_redundant_dtype(raws: list[_Raw]) -> list[_Raw]:
    """A failed coercion is also reported as a dtype failure on the same rows: keep one."""
    coerced = {raw.column for raw in raws if raw.reason == "DATATYPE_COERCION"}
    return [r for r in raws if not (r.reason == "WRONG_DATATYPE" and r.column in coerced)]


def _group(
    raws: Sequence[_Raw], max_samples: int, n_rows: int
) -> tuple[tuple[CheckFailure, ...], int]:
    import numpy as np

    groups: dict[tuple[str | None, str], list[_Raw]] = {}
    for raw in sorted(raws, key=lambda r: r.reason not in _COLUMN_REASONS):  # shape first
        groups.setdefault((raw.column, raw.check), []).append(raw)
    failures: list[CheckFailure] = []
    failed = np.zeros(n_rows, dtype=bool)  # distinct failing rows, without sorting them
    for (column, check), members in groups.items():
        failure, rows = _failure(column, check, members, max_samples)
        failures.append(failure)
        failed[rows] = True
    return tuple(failures), int(np.count_nonzero(failed))


def _failure(
    column: str | None, check: str, members: Sequence[_Raw], max_samples: int
) -> tuple[CheckFailure, NDArray[np.int64]]:
    """One CheckFailure from the raws of one (column, check); also its distinct failing rows."""
    import numpy as np

    positions = np.concatenate([raw.positions for raw in members])
    offsets = np.cumsum([0] + [raw.positions.size for raw in members])
    known = np.flatnonzero(positions >= 0)
    rows = positions[known]
    if rows.size > 1 and not bool((rows[1:] > rows[:-1]).all()):
        rows, first = np.unique(rows, return_index=True)  # sorted distinct rows
    else:  # pandera lists failures in row order: already sorted and distinct
        first = np.arange(rows.size)
    samples: list[FailureSample] = []
    for row, at in zip(rows[:max_samples], known[first[:max_samples]], strict=True):
        samples.append(FailureSample(int(row), _sample_value(members, offsets, int(at), row)))
    if len(samples) < max_samples:
        for raw in members:
            if raw.scalar is not None and len(samples) < max_samples:
                samples.append(FailureSample(None, raw.scalar))
        for at in np.flatnonzero(positions < 0)[: max_samples - len(samples)]:
            member, offset = _member(members, offsets, int(at))
            if member.values is not None:
                samples.append(FailureSample(None, _display(member.values.iloc[offset])))
    return CheckFailure(column, check, int(rows.size), tuple(samples)), rows


def _member(members: Sequence[_Raw], offsets: Any, at: int) -> tuple[_Raw, int]:
    import numpy as np

    which = int(np.searchsorted(offsets, at, side="right")) - 1
    return members[which], at - int(offsets[which])


def _sample_value(members: Sequence[_Raw], offsets: Any, at: int, row: Any) -> str:
    member, offset = _member(members, offsets, at)
    if member.fields is None:
        return _display(member.values.iloc[offset])
    # A table-level check: show every failing field of that row, "a=1, b='x'".
    same = member.positions == row
    fields = member.fields.to_numpy()[same]
    values = member.values.to_numpy()[same]
    return ", ".join(
        f"{field}={_display(value)}" for field, value in zip(fields, values, strict=True)
    )


# --- display of values ---------------------------------------------------------------------------


def _display(value: Any) -> str:
    """A short, printable, repr-ish rendering of one failing value; "null" when missing."""
    import numpy as np
    import pandas as pd

    if value is None:
        return "null"
    if isinstance(value, np.datetime64 | np.timedelta64):
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
    if pd.api.types.is_scalar(value):
        try:
            if pd.isna(value):
                return "null"
        except (TypeError, ValueError):  # pragma: no cover - exotic scalar
            pass
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool | int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value) if math.isfinite(value) else str(value)
    elif isinstance(value, datetime | date | time | timedelta | pd.Timestamp | pd.Timedelta):
        text = str(value)
    else:
        text = str(value)
        if not text.isprintable():
            text = repr(text)[1:-1]
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _scalar_text(value: Any) -> str:
    text = str(value).strip()
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"
