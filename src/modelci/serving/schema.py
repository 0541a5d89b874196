"""The training schema, compiled once into vectorised checks on a batch of request rows.

Pandera validates a DataFrame well but costs milliseconds per call (benchmarks/serve.py measures
it); a server calls its checks on every batch. So the Pandera schema is read once, at start, and
each column becomes a kind (integer, float, string), a null rule and its checks as numpy
comparisons. A check this module does not know (a custom or regex check) still runs, through
Pandera's own Check object on that column, so no rule of the schema is dropped.

A failing row belongs to one request of the batch: `check_batch` reports failures by row, and
the batcher answers each request with its own rows' failures (a 422 naming field and rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from modelci.errors import ConfigError

if TYPE_CHECKING:
    from pandera.api.pandas.container import DataFrameSchema

Kind = Literal["integer", "float", "string"]
# The Open Inference Protocol datatype a column is described with, and those accepted for it.
OIP_DATATYPE: dict[Kind, str] = {"integer": "INT64", "float": "FP64", "string": "BYTES"}
_NUMERIC_DATATYPES = frozenset(
    {"BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"}
    | {"FP16", "FP32", "FP64"}
)
ACCEPTED_DATATYPES: dict[Kind, frozenset[str]] = {
    "integer": _NUMERIC_DATATYPES,
    "float": _NUMERIC_DATATYPES,
    "string": frozenset({"BYTES"}),
}
_INT64_LIMIT = 2**63


@dataclass(frozen=True)
class RowFailure:
    """Rows of a batch that broke one rule of one column."""

    field: str
    rule: str  # e.g. `dtype`, `not_nullable`, `greater_than(0)`, `isin`
    message: str  # what the rule requires, e.g. "must be greater than 0"
    rows: np.ndarray  # indices into the batch
    values: list[Any]  # the offending values, aligned with rows


@dataclass(frozen=True)
class _Check:
    rule: str
    message: str
    passes: Callable[[np.ndarray], np.ndarray]  # array -> boolean mask of rows that pass
    allowed: tuple[Any, ...] = ()  # an `isin` check's values


@dataclass(frozen=True)
class ColumnRule:
    name: str
    kind: Kind
    nullable: bool
    checks: tuple[_Check, ...] = ()

    @property
    def datatype(self) -> str:
        return OIP_DATATYPE[self.kind]

    @property
    def allowed(self) -> tuple[Any, ...]:
        """The values an `isin` check allows, in the schema's order (empty: no such check)."""
        return next((check.allowed for check in self.checks if check.allowed), ())


@dataclass(frozen=True)
class CompiledSchema:
    """The checks of the model's input columns, in the order the model takes them."""

    columns: tuple[ColumnRule, ...]
    known: frozenset[str] = field(default_factory=frozenset)  # every column the schema names
    strict: bool = True  # columns outside the schema are refused

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def check_batch(
        self, values: Mapping[str, Sequence[Any]]
    ) -> tuple[dict[str, np.ndarray], list[RowFailure]]:
        """Typed arrays of each column, and every rule broken (rows index into the batch).

        `values` maps each model column to its values, all of one length. A row that fails its
        type is kept out of the range checks (its array slot holds a placeholder)."""
        arrays: dict[str, np.ndarray] = {}
        failures: list[RowFailure] = []
        for column in self.columns:
            array, bad = _typed(column, values[column.name], failures)
            arrays[column.name] = array
            for check in column.checks:
                failing = ~check.passes(array)
                if bad is not None:
                    failing &= ~bad
                if failing.any():
                    rows = np.flatnonzero(failing)
                    failures.append(
                        RowFailure(
                            column.name,
                            check.rule,
                            check.message,
                            rows,
                            [_plain(array[row]) for row in rows[:5]],
                        )
                    )
        return arrays, failures


def compile_schema(schema: DataFrameSchema, features: Sequence[str]) -> CompiledSchema:
    """Compile the Pandera schema's rules for the model's input columns (`features`)."""
    missing = [name for name in features if name not in schema.columns]
    if missing:
        raise ConfigError(
            f"the schema has no column for the model input(s) {', '.join(missing)}",
            file=getattr(schema, "name", None) or None,
            hint="Serve with the schema the model was trained on: it lists every feature.",
        )
    columns = tuple(_compile_column(name, schema.columns[name]) for name in features)
    return CompiledSchema(columns, frozenset(schema.columns), bool(schema.strict))


def _compile_column(name: str, column: Any) -> ColumnRule:
    kind = _kind_of(str(column.dtype), name)
    checks = tuple(_compile_check(check, kind) for check in column.checks)
    return ColumnRule(name, kind, bool(column.nullable), checks)


def _kind_of(dtype: str, name: str) -> Kind:
    lowered = dtype.lower()
    if lowered.startswith(("int", "uint")) or lowered in ("int64", "int32"):
        return "integer"
    if lowered.startswith("float"):
        return "float"
    if lowered.startswith(("str", "object", "category")):
        return "string"
    raise ConfigError(
        f"column `{name}` has dtype {dtype}, which the server cannot take from JSON",
        hint="Model inputs are integers, floats or strings.",
    )


def _compile_check(check: Any, kind: Kind) -> _Check:
    stats: dict[str, Any] = dict(check.statistics or {})
    name: str = check.name
    if name in _COMPARISONS and len(stats) == 1:
        (bound,) = stats.values()
        compare, phrase = _COMPARISONS[name]

        def compared(a: np.ndarray) -> np.ndarray:
            return np.asarray(compare(a, bound))

        return _Check(f"{name}({bound})", f"must be {phrase} {bound}", compared)
    if name == "in_range":
        low, high = stats["min_value"], stats["max_value"]
        include_min, include_max = stats.get("include_min", True), stats.get("include_max", True)
        left, right = ("[" if include_min else "("), ("]" if include_max else ")")

        def in_range(a: np.ndarray) -> np.ndarray:
            above = a >= low if include_min else a > low
            below = a <= high if include_max else a < high
            return np.asarray(above & below)

        return _Check(
            f"in_range{left}{low}, {high}{right}",
            f"must be in {left}{low}, {high}{right}",
            in_range,
        )
    if name in ("isin", "notin"):
        listed = tuple(stats["allowed_values"] if name == "isin" else stats["forbidden_values"])
        allowed = frozenset(listed)
        shown = ", ".join(map(str, listed))
        wanted = name == "isin"

        def member(a: np.ndarray) -> np.ndarray:
            if kind == "string":
                return np.fromiter(((v in allowed) == wanted for v in a), bool, len(a))
            return np.asarray(np.isin(a, list(allowed)) == wanted)

        return _Check(
            name,
            f"must be {'one' if wanted else 'none'} of {shown}",
            member,
            listed if wanted else (),
        )
    return _pandera_check(check, name)


def _pandera_check(check: Any, name: str) -> _Check:
    """A check without a vectorised form here runs through Pandera itself, on the one column."""
    import pandas as pd

    def passes(a: np.ndarray) -> np.ndarray:
        result = check(pd.Series(a))
        return np.asarray(result.check_output, dtype=bool)

    error = getattr(check, "error", None) or name
    return _Check(name, f"must pass {error}", passes)


_COMPARISONS: dict[str, tuple[Callable[[np.ndarray, Any], np.ndarray], str]] = {
    "greater_than": (np.greater, "greater than"),
    "greater_than_or_equal_to": (np.greater_equal, "greater than or equal to"),
    "less_than": (np.less, "less than"),
    "less_than_or_equal_to": (np.less_equal, "less than or equal to"),
    "equal_to": (np.equal, "equal to"),
    "not_equal_to": (np.not_equal, "not equal to"),
}


def _typed(
    column: ColumnRule, values: Sequence[Any], failures: list[RowFailure]
) -> tuple[np.ndarray, np.ndarray | None]:
    """The column as a numpy array of its kind, and a mask of rows that failed their type.

    The common case (every value of the right JSON type) costs one pass of `set(map(type))`
    and one array conversion; the per-value scan runs only when something is wrong."""
    types = set(map(type, values))
    if column.kind == "string":
        if types <= {str}:
            return np.array(values, dtype=object), None
        return _typed_slow(column, values, failures)
    if types <= {int} and column.kind == "integer":
        try:
            return np.array(values, dtype=np.int64), None
        except OverflowError:
            return _typed_slow(column, values, failures)
    if types <= {int, float}:
        try:
            array = np.array(values, dtype=np.float64)
        except OverflowError:  # an int beyond float range
            return _typed_slow(column, values, failures)
        if column.kind == "float":
            return array, None
        whole = np.isfinite(array) & (array == np.trunc(array)) & (np.abs(array) < _INT64_LIMIT)
        if whole.all():
            return array.astype(np.int64), None
        return _typed_slow(column, values, failures)
    return _typed_slow(column, values, failures)


def _typed_slow(
    column: ColumnRule, values: Sequence[Any], failures: list[RowFailure]
) -> tuple[np.ndarray, np.ndarray]:
    nulls = [row for row, value in enumerate(values) if value is None]
    wrong = [row for row, v in enumerate(values) if v is not None and not _fits(column.kind, v)]
    if nulls and not column.nullable:
        failures.append(
            RowFailure(column.name, "not_nullable", "must not be null", np.array(nulls), [None])
        )
    if wrong:
        expected = {"integer": "an integer", "float": "a number", "string": "a string"}
        failures.append(
            RowFailure(
                column.name,
                "dtype",
                f"must be {expected[column.kind]} ({column.datatype})",
                np.array(wrong),
                [values[row] for row in wrong[:5]],
            )
        )
    bad = np.zeros(len(values), dtype=bool)
    bad[wrong] = True
    bad[nulls] = True  # an allowed null is missing to the model (NaN), never a range failure
    if column.kind == "string":
        clean: list[Any] = [None if bad[row] else v for row, v in enumerate(values)]
        return np.array(clean, dtype=object), bad
    if column.kind == "integer" and not (column.nullable and nulls):
        whole = [0 if bad[row] else int(v) for row, v in enumerate(values)]
        return np.array(whole, dtype=np.int64), bad
    numbers = [math.nan if bad[row] else float(v) for row, v in enumerate(values)]
    return np.array(numbers, dtype=np.float64), bad


def _fits(kind: Kind, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if kind == "float":
        return math.isfinite(value) if isinstance(value, float) else abs(value) < 2**1023
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer() and abs(value) < _INT64_LIMIT
    return -_INT64_LIMIT <= value < _INT64_LIMIT


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
