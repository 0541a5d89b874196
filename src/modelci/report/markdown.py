"""report.md: what a reviewer reads in the pull request.

Order: one-line verdict, gates table, params that changed, data validation, plots (a Mermaid chart,
which GitHub renders in comments, with a table beside it), pipeline stages, commits compared.
The whole text never exceeds MAX_REPORT_CHARS: details are cut first, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelci.metrics.diff import Change, is_number
from modelci.report.model import PlotData, Report, Verdict

# GitHub's limit for a comment body is 65,536 characters; leave room for the sticky marker.
MAX_REPORT_CHARS = 65_536 - 256
_ICONS = {
    Verdict.PASS: "✅",
    Verdict.FAIL: "❌",
    Verdict.INVALID_DATA: "❌",
    Verdict.ERROR: "⚠️",
}
_MAX_TABLE_ROWS = 50


def render_markdown(
    report: Report, *, max_samples: int = 5, max_chars: int = MAX_REPORT_CHARS
) -> str:
    """Render at the richest detail level that fits in `max_chars`."""
    levels: list[tuple[int, str | None]] = [
        (max_samples, None),
        (min(max_samples, 2), "Failing samples were shortened"),
        (0, "Failing samples, plot tables and unchanged metrics were left out"),
    ]
    for level, (samples, cut) in enumerate(levels):
        text = _render(report, samples=samples, detail=2 - level, cut_note=cut)
        if len(text) <= max_chars:
            return text
    note = (
        "\n\n> [!NOTE]\n> This report was cut to fit GitHub's 65,536-character limit; "
        "the full results are in report.json.\n"
    )
    return text[: max_chars - len(note)] + note


def _render(report: Report, *, samples: int, detail: int, cut_note: str | None) -> str:
    parts = [f"## {_icon(report)} {escape(report.title)}", "", f"**{escape(report.summary)}**"]
    if cut_note:
        parts += [
            "",
            f"> [!NOTE]\n> {cut_note} to fit GitHub's 65,536-character limit; "
            "the full results are in report.json.",
        ]
    if report.config_changed:
        parts += [
            "",
            "> [!WARNING]\n> This change edits modelci's own configuration (gates or schemas) in "
            "params.yaml: review it with care.",
        ]
    sections: list[Callable[[], list[str]]] = [
        lambda: _gates(report),
        lambda: _error(report),
        lambda: _metrics(report, detail),
        lambda: _params(report),
        lambda: _validation(report, samples),
        lambda: _plots(report, detail),
        lambda: _pipeline(report),
        lambda: _warnings(report),
        lambda: _commits(report),
    ]
    for section in sections:
        lines = section()
        if lines:
            parts += ["", *lines]
    return "\n".join(parts) + "\n"


def _icon(report: Report) -> str:
    return _ICONS[report.verdict]


# --- sections ----------------------------------------------------------------------------------


def _gates(report: Report) -> list[str]:
    if not report.gates:
        return [] if report.verdict is not Verdict.PASS else ["_No gates configured._"]
    rows = [
        "### Gates",
        "",
        "| Metric | Base | Head | Change | Rule | Result |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for gate in report.gates:
        rule = []
        if gate.threshold is not None:
            rule.append(f"{'≥' if gate.direction == 'higher' else '≤'} {gate.threshold:g}")
        if gate.max_regression is not None:
            rule.append(f"regression ≤ {gate.max_regression}")
        result = "✅ pass" if gate.passed else "❌ " + escape("; ".join(gate.reasons))
        if gate.notes:
            result += " <br>_" + escape("; ".join(gate.notes)) + "_"
        rows.append(
            f"| `{escape(gate.metric)}` | {number(gate.base)} | {number(gate.head)} "
            f"| {signed(gate.delta)} | {' and '.join(rule)} | {result} |"
        )
    return rows


def _error(report: Report) -> list[str]:
    if report.verdict is not Verdict.ERROR:
        return []
    lines = ["### What went wrong", "", escape(report.error or "unknown error")]
    if report.error_log:
        lines += [
            "",
            "<details><summary>Last lines of the log</summary>",
            "",
            *fence(report.error_log),
        ]
        lines += ["", "</details>"]
    return lines


def _metrics(report: Report, detail: int) -> list[str]:
    gated = {gate.source for gate in report.gates}
    shown = [
        c
        for c in report.metrics
        if c.name not in gated and (detail >= 2 or c.status != "unchanged")
    ]
    if not shown:
        return []
    rows = ["| Metric | Base | Head | Change |", "| --- | ---: | ---: | ---: |"]
    for change in shown[:_MAX_TABLE_ROWS]:
        rows.append(
            f"| `{escape(change.name)}` | {value(change, 'base')} | {value(change, 'head')} "
            f"| {_change(change)} |"
        )
    if len(shown) > _MAX_TABLE_ROWS:
        rows.append(f"\n_{len(shown) - _MAX_TABLE_ROWS} more metrics in report.json._")
    return ["<details><summary>Other metrics</summary>", "", *rows, "", "</details>"]


def _params(report: Report) -> list[str]:
    changed = [c for c in report.params if c.status != "unchanged"]
    if report.base is None:
        return []
    if not changed:
        return ["### Params", "", "No params changed."]
    rows = [
        "### Params changed",
        "",
        "| Param | Base | Head |",
        "| --- | --- | --- |",
    ]
    for change in changed[:_MAX_TABLE_ROWS]:
        rows.append(
            f"| `{escape(change.name)}` | {value(change, 'base')} | {value(change, 'head')} |"
        )
    if len(changed) > _MAX_TABLE_ROWS:
        rows.append(f"\n_{len(changed) - _MAX_TABLE_ROWS} more params in report.json._")
    return rows


def _validation(report: Report, samples: int) -> list[str]:
    if not report.validation:
        return []
    from modelci.validation import render_markdown as render_validation

    return [
        "### Data validation",
        "",
        render_validation(report.validation, max_samples=samples).rstrip(),
    ]


def _plots(report: Report, detail: int) -> list[str]:
    lines: list[str] = []
    for plot in report.plots:
        lines += [f"### {escape(plot.title)}", ""]
        if plot.problem:
            lines.append(f"_Not drawn: {escape(plot.problem)}._")
        elif plot.kind == "confusion" and plot.matrix is not None:
            lines += _confusion(plot)
        else:
            lines += _line_chart(plot, detail)
        lines.append("")
    return lines[:-1] if lines else []


def _line_chart(plot: PlotData, detail: int) -> list[str]:
    xs = [f"{x:.3g}" for x, _ in plot.points]
    ys = [f"{y:.4g}" for _, y in plot.points]
    chart = [
        "```mermaid",
        "xychart-beta",
        f'    title "{mermaid_text(plot.title)}"',
        f'    x-axis "{mermaid_text(plot.x or "x")}" [{", ".join(xs)}]',
        f'    y-axis "{mermaid_text(plot.y or "y")}"',
        f"    line [{', '.join(ys)}]",
        "```",
    ]
    if detail < 1:
        return chart
    table = [f"| {escape(plot.x or 'x')} | {escape(plot.y or 'y')} |", "| ---: | ---: |"]
    table += [f"| {x} | {y} |" for x, y in zip(xs, ys, strict=True)]
    return [*chart, "", "<details><summary>Data</summary>", "", *table, "", "</details>"]


def _confusion(plot: PlotData) -> list[str]:
    m = plot.matrix or {}
    order = ["tn", "fp", "fn", "tp"]
    return [
        "```mermaid",
        "xychart-beta",
        f'    title "{mermaid_text(plot.title)}"',
        '    x-axis ["TN", "FP", "FN", "TP"]',
        '    y-axis "examples"',
        f"    bar [{', '.join(str(m.get(k, 0)) for k in order)}]",
        "```",
        "",
        "| | Predicted 0 | Predicted 1 |",
        "| --- | ---: | ---: |",
        f"| **Actual 0** | {m.get('tn', 0)} | {m.get('fp', 0)} |",
        f"| **Actual 1** | {m.get('fn', 0)} | {m.get('tp', 0)} |",
    ]


def _pipeline(report: Report) -> list[str]:
    if report.repro is None:
        return []
    ran = ", ".join(f"`{s}`" for s in report.repro.ran) or "none"
    skipped = ", ".join(f"`{s}`" for s in report.repro.skipped) or "none"
    return ["### Pipeline", "", f"`dvc repro` ran: {ran}; unchanged and skipped: {skipped}."]


def _warnings(report: Report) -> list[str]:
    if not report.warnings:
        return []
    return ["### Warnings", "", *(f"- {escape(w)}" for w in report.warnings)]


def _commits(report: Report) -> list[str]:
    head = _revision(report.head.ref, report.head.sha, report.head.subject)
    if report.base is None:
        return ["---", f"Compared: no base revision (first run) → {head}"]
    base = _revision(report.base.ref, report.base.sha, report.base.subject)
    return ["---", f"Compared: {base} → {head}"]


def _revision(ref: str, sha: str | None, subject: str | None) -> str:
    text = f"`{escape(ref)}`"
    if sha:
        text += f" {sha[:12]}"
    if subject:
        text += f" ({escape(subject)})"
    return text


# --- formatting helpers ------------------------------------------------------------------------


def escape(text: Any) -> str:
    """Make untrusted text safe inside a table cell: no HTML tags, no cell breaks, no code spans."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace("|", "\\|")
        .replace("`", "'")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def fence(text: str) -> list[str]:
    # A fence longer than any backtick run inside, so a log line cannot close it early.
    ticks = "`" * max(3, _longest_backtick_run(text) + 1)
    return [f"{ticks}text", text, ticks]


def _longest_backtick_run(text: str) -> int:
    best = current = 0
    for char in text:
        current = current + 1 if char == "`" else 0
        best = max(best, current)
    return best


def number(x: Any) -> str:
    if x is None:
        return "—"
    if is_number(x):
        return f"{x:.4g}" if isinstance(x, float) else str(x)
    return escape(x)


def signed(x: float | None) -> str:
    return "—" if x is None else ("0" if x == 0 else f"{x:+.4g}")


def value(change: Change, side: str) -> str:
    present = change.in_base if side == "base" else change.in_head
    if not present:
        return "_absent_"
    return number(getattr(change, side))


def _change(change: Change) -> str:
    if change.delta is not None:
        pct = change.delta_percent
        return signed(change.delta) + (
            f" ({pct:+.1f}%)" if pct is not None and change.delta else ""
        )
    return {"added": "new", "removed": "removed", "modified": "changed", "unchanged": ""}[
        change.status
    ]
