"""Running Pandera: lazily and in place, without its costly failure messages, skipping the
uniqueness checks that are cheaply proven to pass, and re-checking after dtype failures.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from modelci.errors import ConfigError
from modelci.validation._group import Raw, check_name, to_raw

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray
    from pandera.api.pandas.container import DataFrameSchema

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


def skip_proven_unique(frame: pd.DataFrame, schema: DataFrameSchema) -> DataFrameSchema:
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


def run(frame: pd.DataFrame, schema: DataFrameSchema, label: str) -> list[Any]:
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


_DTYPE_REASONS = frozenset({"WRONG_DATATYPE", "DATATYPE_COERCION"})


def recheck_after_dtype_failures(
    raws: list[Raw], frame: pd.DataFrame, schema: DataFrameSchema, label: str
) -> list[Raw]:
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
    replaced: dict[str, list[Raw]] = {}
    for name, check_names in errored.items():
        column = schema.columns.get(name)
        if name not in bad_rows or column is None or column.regex or name not in frame.columns:
            continue
        series = frame[name]
        keep = series.notna().to_numpy(dtype=bool, na_value=False, copy=True)
        bad = np.concatenate(bad_rows[name])
        keep[bad[bad >= 0]] = False
        checks = [check for check in column.checks if check_name(check) in check_names]
        try:
            typed = column.dtype.try_coerce(series[keep])
        except Exception:  # noqa: S112 - cannot isolate valid values: keep the check errors
            continue
        probe = pa.DataFrameSchema({name: pa.Column(column.dtype, checks=checks, nullable=True)})
        replaced[name] = [to_raw(e, frame.index) for e in run(typed.to_frame(name), probe, label)]
    if not replaced:
        return raws
    out: list[Raw] = []
    for raw in raws:
        if raw.column in replaced and raw.reason == "CHECK_ERROR":
            out.extend(replaced.pop(raw.column))  # in place of the first errored check
            replaced[raw.column] = []  # and drop the others: the probe ran them all
            continue
        out.append(raw)
    return out


def drop_redundant_dtype(raws: list[Raw]) -> list[Raw]:
    """A failed coercion is also reported as a dtype failure on the same rows: keep one."""
    coerced = {raw.column for raw in raws if raw.reason == "DATATYPE_COERCION"}
    return [r for r in raws if not (r.reason == "WRONG_DATATYPE" and r.column in coerced)]
