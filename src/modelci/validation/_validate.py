"""Validate one CSV or Parquet file against a Pandera schema, lazily, and summarise the failures.

Cost model: on valid data the only work is reading the file and Pandera's vectorised checks (run
in place: no copy of the frame). Per-row Python work happens only for the few samples kept per
failing check; counts come from numpy over the failing row positions.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.errors import DataError
from modelci.validation._group import group, to_raw
from modelci.validation._pandera import (
    drop_redundant_dtype,
    recheck_after_dtype_failures,
    run,
    skip_proven_unique,
)
from modelci.validation._read import (
    csv_row_lines,
    file_kind,
    positional_index,
    read_csv,
    read_parquet,
    resolve_schema,
)
from modelci.validation._results import CheckFailure, ValidationResult
from modelci.validation._schema import load_schema

if TYPE_CHECKING:
    import pandas as pd
    from pandera.api.pandas.container import DataFrameSchema


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
    are inferred. Blank lines are kept as (empty) rows; a sample's `line` is where its row starts in
    the file, as the CSV parser counts lines (a quoted field may span several).

    Raises DataError (exit 4) when the file is missing, of an unsupported type or unreadable,
    ConfigError (exit 3) when the schema cannot be applied at all.
    """
    if max_samples < 0:
        raise ValueError(f"max_samples must be >= 0, got {max_samples}")
    path_text = str(path)
    path = Path(path)
    kind = file_kind(path)
    schema, label = resolve_schema(schema)
    if path.is_symlink() and not path.exists():  # a dangling link or a loop: say which
        try:
            path.open("rb").close()
        except OSError as error:
            raise DataError(
                f"cannot read {path_text}: {error.strerror or error}",
                file=path_text,
                hint="The path is a symbolic link that leads nowhere readable; fix the link.",
            ) from error
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
    frame = read_csv(path, schema) if kind == "csv" else read_parquet(path, schema)
    frame = positional_index(frame, schema)
    failures, failed_rows = _collect(frame, schema, label, max_samples)
    if kind == "csv" and failures:
        failures = _with_csv_lines(path, failures)
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


def _with_csv_lines(path: Path, failures: tuple[CheckFailure, ...]) -> tuple[CheckFailure, ...]:
    rows = [s.row for failure in failures for s in failure.samples if s.row is not None]
    try:
        lines = csv_row_lines(path, rows)
    except (OSError, EOFError, zlib.error):  # read once already: keep one line per row then
        return failures
    return tuple(
        replace(
            failure,
            samples=tuple(
                replace(s, csv_line=lines.get(s.row)) if s.row is not None else s
                for s in failure.samples
            ),
        )
        for failure in failures
    )


def _collect(
    frame: pd.DataFrame, schema: DataFrameSchema, label: str, max_samples: int
) -> tuple[tuple[CheckFailure, ...], int]:
    errors = run(frame, skip_proven_unique(frame, schema), label)
    if not errors:
        return (), 0
    raws = [to_raw(error, frame.index) for error in errors]
    raws = recheck_after_dtype_failures(raws, frame, schema, label)
    raws = drop_redundant_dtype(raws)
    return group(raws, max_samples, len(frame))
