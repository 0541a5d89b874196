"""From Pandera's errors to CheckFailure: failing rows as positions, grouped per (column, check),
counted with numpy, with a few samples whose values are rendered short and printable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from modelci.validation._results import CheckFailure, FailureSample

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

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


@dataclass
class Raw:
    """One pandera SchemaError, with failing rows as positions (-1: not about a row)."""

    column: str | None
    check: str
    reason: str
    positions: NDArray[np.int64]
    values: Any  # pandas Series of failure cases aligned with positions, or None
    fields: Any  # pandas Series of column names for table-level checks, or None
    scalar: str | None  # the failure case when it is not about rows


def check_name(check: Any) -> str:
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


def to_raw(error: Any, index: pd.Index) -> Raw:
    import numpy as np
    import pandas as pd

    reason = getattr(error.reason_code, "name", str(error.reason_code))
    check = check_name(error.check)
    column = _component_column(error.schema)
    if getattr(error, "column_name", None) is not None and column is not None:
        column = str(error.column_name)  # a regex column: the actual column
    cases = error.failure_cases
    none = np.empty(0, dtype=np.int64)
    if isinstance(cases, pd.Series):
        cases = pd.DataFrame({"index": cases.index, "failure_case": cases.to_numpy()})
    if not isinstance(cases, pd.DataFrame) or "index" not in cases:
        if reason in _COLUMN_REASONS:
            return Raw(str(cases), check, reason, none, None, None, None)
        return Raw(column, check, reason, none, None, None, _scalar_text(cases))
    positions = _positions(cases["index"], index)
    fields = cases["column"] if column is None and "column" in cases else None
    return Raw(column, check, reason, positions, cases["failure_case"], fields, None)


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


def group(
    raws: Sequence[Raw], max_samples: int, n_rows: int
) -> tuple[tuple[CheckFailure, ...], int]:
    import numpy as np

    groups: dict[tuple[str | None, str], list[Raw]] = {}
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
    column: str | None, check: str, members: Sequence[Raw], max_samples: int
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


def _member(members: Sequence[Raw], offsets: Any, at: int) -> tuple[Raw, int]:
    import numpy as np

    which = int(np.searchsorted(offsets, at, side="right")) - 1
    return members[which], at - int(offsets[which])


def _sample_value(members: Sequence[Raw], offsets: Any, at: int, row: Any) -> str:
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
