"""Renderings of validation results: terminal text, Markdown for a PR report, JSON-safe dicts.

Data values and column names are untrusted input: the text rendering shows them printable
(control characters escaped), the Markdown rendering uses the report's escapers
(modelci/escape.py): every character that could start markup becomes an HTML character
reference, and no mention pings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from modelci import escape
from modelci.validation._results import CheckFailure, FailureSample, ValidationResult

_MD_EXAMPLES = 3  # sample values in the table's "examples" cell; the rest are in <details>


def results_to_json(results: Sequence[ValidationResult]) -> list[dict[str, Any]]:
    """JSON-safe list, one `ValidationResult.to_dict()` per dataset."""
    return [result.to_dict() for result in results]


# --- terminal ------------------------------------------------------------------------------------


def render_text(results: Sequence[ValidationResult]) -> str:
    """One block per dataset: verdict line, rows, then one line per failing check."""
    if not results:
        return "No data files were validated.\n"
    blocks = [_text_block(result) for result in results]
    return "\n".join(blocks)


def _text_block(result: ValidationResult) -> str:
    mark, verdict = ("✓", "valid") if result.valid else ("✗", "invalid")
    lines = [
        f"{mark} {_printable(_title(result))}: {verdict} against {_printable(result.schema)}",
        f"  rows: {result.rows:,}"
        + ("" if result.valid else f" ({escape.plural(result.failed_rows, 'failing row')})"),
    ]
    for failure in result.failures:
        lines.append("  " + _text_failure(failure, csv=result.is_csv))
    return "\n".join(lines) + "\n"


def _text_failure(failure: CheckFailure, *, csv: bool) -> str:
    parts = [_printable(_column(failure)), _printable(failure.check)]
    parts.append(_scope(failure) if failure.table_wide else escape.plural(failure.count, "row"))
    if failure.samples:
        examples = ", ".join(_text_sample(sample, csv=csv) for sample in failure.samples)
        parts.append(f"e.g. {examples}")
    return " · ".join(parts)


def _text_sample(sample: FailureSample, *, csv: bool) -> str:
    value = _printable(sample.value)
    if sample.row is None:
        return value
    where = f"row {sample.row}" + (f" (line {sample.line})" if csv else "")
    return f"{where}: {value}"


# --- Markdown ------------------------------------------------------------------------------------


def render_markdown(results: Sequence[ValidationResult], *, max_samples: int = 5) -> str:
    """A heading-free Markdown block for a PR report.

    Per dataset: a summary line; when invalid, a table (column | check | failing rows | examples)
    and the failing samples (at most `max_samples` per check) in a collapsible <details> section.
    """
    if not results:
        return "No data files were validated.\n"
    return "\n".join(_md_block(result, max(0, max_samples)) for result in results)


def _md_block(result: ValidationResult, max_samples: int) -> str:
    title = f"**{_md(result.dataset)}**"
    if result.path != result.dataset:
        title += f" ({_code(result.path)})"
    schema = _code(result.schema)
    if result.valid:
        return f"✅ {title}: valid, {result.rows:,} rows match {schema}.\n"
    checks = escape.plural(len(result.failures), "failed check")
    summary = (
        f"❌ {title}: invalid against {schema}: {checks}, "
        f"{result.failed_rows:,} of {escape.plural(result.rows, 'row')} failing."
    )
    lines = [
        summary,
        "",
        "| column | check | failing rows | examples |",
        "| --- | --- | ---: | --- |",
    ]
    for failure in result.failures:
        count = _scope(failure) if failure.table_wide else f"{failure.count:,}"
        examples = ", ".join(
            _code(s.value) for s in failure.samples[: min(_MD_EXAMPLES, max_samples)]
        )
        lines.append(
            f"| {_code(_column(failure))} | {_code(failure.check)} | {count} | {examples} |"
        )
    details = _md_details(result, max_samples)
    if details:
        lines += ["", *details]
    return "\n".join(lines) + "\n"


def _md_details(result: ValidationResult, max_samples: int) -> list[str]:
    csv = result.is_csv
    header = "| column | check | row |" + (" line |" if csv else "") + " value |"
    align = "| --- | --- | ---: |" + (" ---: |" if csv else "") + " --- |"
    rows: list[str] = []
    for failure in result.failures:
        for sample in failure.samples[:max_samples]:
            row = "" if sample.row is None else str(sample.row)
            line = "" if sample.line is None else str(sample.line)
            cells = [_code(_column(failure)), _code(failure.check), row]
            if csv:
                cells.append(line)
            cells.append(_code(sample.value))
            rows.append("| " + " | ".join(cells) + " |")
    if not rows:
        return []
    summary = f"Failing samples: {_md(result.dataset)} (at most {max_samples} per check)"
    return [f"<details><summary>{summary}</summary>", "", header, align, *rows, "", "</details>"]


# --- shared helpers ------------------------------------------------------------------------------


def _md(text: str) -> str:
    return escape.text(text)


def _code(text: str) -> str:
    return escape.code(text) if text else ""


_printable = escape.printable


def _title(result: ValidationResult) -> str:
    if result.dataset in (result.path, PurePath(result.path).name):
        return result.path
    return f"{result.dataset} ({result.path})"


def _column(failure: CheckFailure) -> str:
    return "(table)" if failure.column is None else failure.column


def _scope(failure: CheckFailure) -> str:
    return "whole table" if failure.column is None else "whole column"
