"""A DriftReport as terminal text, as markdown (table plus Mermaid histograms) and as JSON.

Column names and category values are untrusted: in markdown they go through the report's
escapers (modelci.escape: code spans and plain text that pings nobody); in Mermaid labels
only a safe set of characters survives.
"""

from __future__ import annotations

import math
import re
from typing import Any

from modelci import __version__, escape
from modelci.drift.detect import ColumnDrift, DriftReport, Histogram
from modelci.errors import ExitCode

SCHEMA_VERSION = 1
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:+\-/()%=]")
_MERMAID_LABEL_CHARS = 24


def exit_code(report: DriftReport) -> ExitCode:
    return ExitCode.DRIFT_DETECTED if report.drifted else ExitCode.OK


def summary(report: DriftReport) -> str:
    drifted, total = len(report.drifted_columns), len(report.columns)
    text = (
        f"{'Drift' if report.dataset_drift else 'No dataset drift'}: {drifted} of {total} "
        f"columns drifted (share {report.share:.2f}, threshold {report.share_threshold:g})"
    )
    if report.prediction is not None:
        text += "; prediction drift" if report.prediction.drifted else "; scores stable"
    return text


def render_text(report: DriftReport) -> str:
    header = ("column", "kind", "method", "statistic", "threshold", "verdict")
    rows = [header] + [_row(c) for c in _all(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"{report.current} against {report.reference}", ""]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([*lines, "", summary(report)]) + "\n"


def render_markdown(report: DriftReport) -> str:
    icon = "⚠️" if report.drifted else "✅"
    lines = [
        f"## {icon} Data drift",
        "",
        f"**{_cell(summary(report))}**",
        "",
        f"Current {_code(report.current)} ({report.current_rows} rows) against reference "
        f"{_code(report.reference)} ({report.reference_rows} rows).",
        "",
        "| Column | Kind | Method | Statistic | Threshold | Verdict |",
        "| --- | --- | --- | ---: | ---: | --- |",
    ]
    for column in _all(report):
        name, kind, _method, statistic, threshold, verdict = _row(column)
        icon = "❌" if column.drifted else "✅"
        lines.append(
            f"| {_code(name)} | {kind} | {_cell(column.method_title)} | {statistic} "
            f"| {threshold} | {icon} {verdict} |"
        )
    for column in _all(report):
        if column.histogram is not None:
            lines += ["", f"### {_code(column.column)}", "", *_chart(column, column.histogram)]
    return "\n".join(lines) + "\n"


def report_to_json(report: DriftReport) -> dict[str, Any]:
    """JSON-safe, with the keys docs/drift.schema.json describes."""
    return {
        "schema_version": SCHEMA_VERSION,
        "modelci_version": __version__,
        "verdict": "drift" if report.drifted else "no-drift",
        "exit_code": int(exit_code(report)),
        "summary": summary(report),
        "reference": {"source": report.reference, "rows": report.reference_rows},
        "current": {"source": report.current, "rows": report.current_rows},
        "dataset": {
            "drift": report.dataset_drift,
            "share": report.share,
            "share_threshold": report.share_threshold,
            "drifted_columns": len(report.drifted_columns),
            "columns": len(report.columns),
        },
        "columns": [_column_json(c) for c in report.columns],
        "prediction": _column_json(report.prediction) if report.prediction else None,
    }


def _column_json(column: ColumnDrift) -> dict[str, Any]:
    hist = column.histogram
    return {
        "column": column.column,
        "kind": column.kind.value,
        "method": column.method,
        "method_title": column.method_title,
        "statistic_name": column.statistic_name,
        "statistic": column.statistic if math.isfinite(column.statistic) else None,
        "threshold": column.threshold,
        "drifted": column.drifted,
        "reason": column.reason,
        "reference_rows": column.reference_rows,
        "current_rows": column.current_rows,
        "reference_missing": column.reference_missing,
        "current_missing": column.current_missing,
        "histogram": None
        if hist is None
        else {
            "labels": list(hist.labels),
            "reference": list(hist.reference),
            "current": list(hist.current),
        },
    }


def _all(report: DriftReport) -> list[ColumnDrift]:
    return [*report.columns, *([report.prediction] if report.prediction else [])]


def _row(column: ColumnDrift) -> tuple[str, str, str, str, str, str]:
    name = column.column if column.column != "prediction" else "prediction (model scores)"
    return (
        name,
        column.kind.value,
        column.method,
        f"{column.statistic:.4g}",
        f"{column.threshold:g}",
        "drift" if column.drifted else "no drift",
    )


def _chart(column: ColumnDrift, hist: Histogram) -> list[str]:
    labels = ", ".join(f'"{_mermaid(label)}"' for label in hist.labels)
    return [
        "```mermaid",
        "xychart-beta",
        f'    title "{_mermaid(column.column)}: reference (bars) vs current (line), share of rows"',
        f"    x-axis [{labels}]",
        '    y-axis "share of rows"',
        f"    bar [{', '.join(f'{v:.4g}' for v in hist.reference)}]",
        f"    line [{', '.join(f'{v:.4g}' for v in hist.current)}]",
        "```",
    ]


def _code(text: str) -> str:
    return escape.code(text)


def _cell(text: str) -> str:
    return escape.text(text)


def _mermaid(text: str) -> str:
    cleaned = _MERMAID_UNSAFE.sub("_", str(text))
    if len(cleaned) > _MERMAID_LABEL_CHARS:
        cleaned = cleaned[: _MERMAID_LABEL_CHARS - 1] + "~"
    return cleaned
