"""Result types of data validation: plain frozen dataclasses, JSON-safe through `to_dict()`.

No pandas here: the report and the CLI import these cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CSV_SUFFIXES = (".csv", ".csv.gz")


def is_csv_path(path: str) -> bool:
    """True when `path` names a CSV file, where a row has a line number."""
    return path.lower().endswith(CSV_SUFFIXES)


@dataclass(frozen=True)
class FailureSample:
    """One failing value.

    `row` is the 0-based position of the data row in the file (None when the failure is about the
    whole table or column, e.g. a dtype that no single value explains, or a check that raised).
    `value` is a display string: `repr()` for text (quotes make blanks and whitespace visible),
    the number as written for numbers, and "null" for a missing value.
    """

    row: int | None
    value: str
    # Where the row starts in its CSV file, as the CSV parser counted (a quoted field can span
    # lines); set by validate_file. Not part of equality: the row and value identify a sample.
    csv_line: int | None = field(default=None, compare=False)

    @property
    def line(self) -> int | None:
        """1-based line where the row starts in a CSV file with a header row.

        The parser's count when validate_file set it; otherwise one line per row (row 0 on line 2).
        """
        if self.row is None:
            return None
        return self.csv_line if self.csv_line is not None else self.row + 2

    def to_dict(self, *, lines: bool = True) -> dict[str, Any]:
        return {"row": self.row, "line": self.line if lines else None, "value": self.value}


@dataclass(frozen=True)
class CheckFailure:
    """Every failure of one check on one column (or on the whole table when `column` is None).

    `count` is the number of distinct rows that failed, all of them (samples are capped).
    A failure that is not about particular rows (a missing column, an unexpected column, a check
    that raised an error, a dtype mismatch no value explains) has `count == 0`: see `table_wide`.
    """

    column: str | None
    check: str
    count: int
    samples: tuple[FailureSample, ...] = ()

    @property
    def table_wide(self) -> bool:
        """True when the failure is about the table or column as a whole, not about rows."""
        return self.count == 0

    def to_dict(self, *, lines: bool = True) -> dict[str, Any]:
        return {
            "column": self.column,
            "check": self.check,
            "count": self.count,
            "table_wide": self.table_wide,
            "samples": [sample.to_dict(lines=lines) for sample in self.samples],
        }


@dataclass(frozen=True)
class ValidationResult:
    """The verdict for one data file against one schema."""

    dataset: str
    path: str
    schema: str
    rows: int
    failures: tuple[CheckFailure, ...] = ()
    # Distinct rows with at least one failure, computed from every failure (not just samples).
    # Optional so results can be built by hand (tests, reports); then it falls back to a bound.
    failed_row_count: int | None = field(default=None, repr=False)

    @property
    def valid(self) -> bool:
        return not self.failures

    @property
    def failed_rows(self) -> int:
        """Distinct rows with at least one failure (rows are unknown for table-wide failures)."""
        if self.failed_row_count is not None:
            return self.failed_row_count
        # Built by hand: the largest single count is a lower bound, the best available.
        return max((failure.count for failure in self.failures), default=0)

    @property
    def is_csv(self) -> bool:
        return is_csv_path(self.path)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, with stable keys (`line` is null for files that are not CSV)."""
        return {
            "dataset": self.dataset,
            "path": self.path,
            "schema": self.schema,
            "rows": self.rows,
            "valid": self.valid,
            "failed_rows": self.failed_rows,
            "failures": [failure.to_dict(lines=self.is_csv) for failure in self.failures],
        }
