"""report.md: what a reviewer reads in the pull request.

Order: one-line verdict, gates table, the team's tests, slices (report/slices.py), what went
wrong, params that changed, data validation, other metrics, plots (Mermaid charts, which GitHub
renders in comments, with their data in a collapsed table), pipeline stages, warnings, commits
compared. The whole text never exceeds MAX_REPORT_CHARS: `truncate` cuts it by structure (see
report/truncate.py for the order).
Every untrusted text goes through modelci/escape.py.
"""

from __future__ import annotations

from functools import partial

from modelci.escape import code, fence, plural, text
from modelci.metrics import shown
from modelci.metrics.diff import Change
from modelci.report import behaviour, charts, slices, testsuite, values
from modelci.report.model import MetricInterval, PlotData, Report, Verdict
from modelci.report.truncate import cap_rows, truncate

# GitHub's limit for a comment body is 65,536 characters; leave room for the sticky marker.
MAX_REPORT_CHARS = 65_536 - 256
_ICONS = {
    Verdict.PASS: "✅",
    Verdict.FAIL: "❌",
    Verdict.INVALID_DATA: "❌",
    Verdict.ERROR: "⚠️",
}
_MAX_TABLE_ROWS = 50
_MAX_TABLE_CHARS = 8_000  # a table of long names is capped by size too
number = partial(shown.number, escape=text)
with_interval = partial(values.with_interval, escape=text)
change_with_interval = values.change_with_interval


def value(change: Change, side: str) -> str:
    return values.value(change, side, escape=text, absent="_absent_")


def render_markdown(
    report: Report, *, max_samples: int = 5, max_chars: int = MAX_REPORT_CHARS
) -> str:
    """The whole report, cut by structure to at most `max_chars` characters."""
    return truncate(_render(report, max_samples), max_chars)[0]


def _render(report: Report, samples: int) -> str:
    parts = [f"## {_ICONS[report.verdict]} {text(report.title)}", "", f"**{text(report.summary)}**"]
    if report.config_changed:
        parts += [
            "",
            "> [!WARNING]\n> This change edits modelci's own configuration (gates or schemas) in "
            "params.yaml: review it with care.",
        ]
    intervals = {interval.source: interval for interval in report.intervals}
    for lines in (
        _gates(report, intervals),
        testsuite.markdown(report.tests) if report.tests else [],
        slices.markdown_section(report.slices),
        behaviour.markdown_section(report.behaviour),
        _error(report),
        _params(report),
        _validation(report, samples),
        _metrics(report, intervals),
        _plots(report),
        _pipeline(report),
        _warnings(report),
        _commits(report),
    ):
        if lines:
            parts += ["", *lines]
    return "\n".join(parts) + "\n"


# --- sections ----------------------------------------------------------------------------------


def _gates(report: Report, intervals: dict[str, MetricInterval]) -> list[str]:
    if not report.gates:
        return [] if report.verdict is not Verdict.PASS else ["_No gates configured._"]
    rows = []
    for gate in report.gates:
        rule = values.gate_rule(gate, at_least="≥", at_most="≤", escape=text)
        result = "✅ pass" if gate.passed else "❌ " + text("; ".join(gate.reasons))
        if gate.notes:
            result += " <br>_" + text("; ".join(gate.notes)) + "_"
        interval = intervals.get(gate.source or "")
        rows.append(
            f"| {code(gate.metric)} | {number(gate.base)} | {with_interval(gate.head, interval)} "
            f"| {change_with_interval(gate.delta, None, interval)} | {rule} "
            f"| {result} |"
        )
    return [
        "### Gates",
        "",
        "| Metric | Base | Head | Change | Rule | Result |",
        "| --- | ---: | ---: | ---: | --- | --- |",
        *cap_rows(rows, max_rows=_MAX_TABLE_ROWS * 4, max_chars=_MAX_TABLE_CHARS * 4),
        *_note(values.interval_note(report.intervals)),
    ]


def _error(report: Report) -> list[str]:
    if report.verdict is not Verdict.ERROR:
        return []
    lines = ["### What went wrong", "", text(report.error or "unknown error")]
    if report.error_log:
        lines += ["", "<details><summary>Last lines of the log</summary>", ""]
        lines += [*fence(report.error_log), "", "</details>"]
    return lines


def _params(report: Report) -> list[str]:
    changed = [c for c in report.params if c.status != "unchanged"]
    if report.base is None:
        return []
    if not changed:
        return ["### Params", "", "No params changed."]
    rows = [f"| {code(c.name)} | {value(c, 'base')} | {value(c, 'head')} |" for c in changed]
    return [
        "### Params changed",
        "",
        "| Param | Base | Head |",
        "| --- | --- | --- |",
        *cap_rows(rows, max_rows=_MAX_TABLE_ROWS, max_chars=_MAX_TABLE_CHARS),
    ]


def _validation(report: Report, samples: int) -> list[str]:
    if not report.validation:
        return []
    from modelci.validation import render_markdown as render_validation

    rendered = render_validation(report.validation, max_samples=samples)
    return ["### Data validation", "", rendered.rstrip()]


def _metrics(report: Report, intervals: dict[str, MetricInterval]) -> list[str]:
    gated = {gate.source for gate in report.gates}
    shown = [c for c in report.metrics if c.name not in gated]
    if not shown:
        return []
    rows = [
        f"| {code(c.name)} | {value(c, 'base')} "
        f"| {with_interval(c.head, intervals.get(c.name)) if c.in_head else value(c, 'head')} "
        f"| {change_with_interval(c.delta, c, intervals.get(c.name))} |"
        for c in shown
    ]
    changed = sum(1 for c in shown if c.status != "unchanged")
    return [
        "### Other metrics",
        "",
        f"<details><summary>{plural(len(shown), 'metric')} not gated, {changed} changed</summary>",
        "",
        "| Metric | Base | Head | Change |",
        "| --- | ---: | ---: | ---: |",
        *cap_rows(rows, max_rows=_MAX_TABLE_ROWS, max_chars=_MAX_TABLE_CHARS),
        "",
        "</details>",
    ]


def _plots(report: Report) -> list[str]:
    lines: list[str] = []
    for plot in report.plots:
        lines += ["", f"#### {text(plot.title)}", "", *_plot(plot)]
    return ["### Plots", *lines] if lines else []


def _plot(plot: PlotData) -> list[str]:
    if plot.problem:
        return [f"_Not drawn: {text(plot.problem)}._"]
    if plot.kind == "confusion" and plot.matrix is not None:
        return charts.confusion_table(plot.matrix)
    if not plot.points:
        return ["_Not drawn: no points._"]
    chart, table = charts.line_chart(plot)
    legend = charts.legend(plot)
    return [
        *chart,
        *(["", legend] if legend else []),
        "",
        "<details><summary>Data (resampled)</summary>",
        "",
        *table,
        "",
        "</details>",
    ]


def _pipeline(report: Report) -> list[str]:
    if report.repro is None:
        return []
    ran = ", ".join(code(s) for s in report.repro.ran) or "none"
    skipped = ", ".join(code(s) for s in report.repro.skipped) or "none"
    ran_line = f"{code('dvc repro')} ran: {ran}; unchanged and skipped: {skipped}."
    return ["### Pipeline", "", ran_line]


def _warnings(report: Report) -> list[str]:
    if not report.warnings:
        return []
    items = [f"- {text(w)}" for w in report.warnings]
    return [
        "### Warnings",
        "",
        *cap_rows(items, max_rows=_MAX_TABLE_ROWS, max_chars=_MAX_TABLE_CHARS, noun="warning"),
    ]


def _commits(report: Report) -> list[str]:
    head = _revision(report.head.ref, report.head.sha, report.head.subject)
    if report.base is None:
        return ["---", f"Compared: no base revision (first run) → {head}"]
    base = _revision(report.base.ref, report.base.sha, report.base.subject)
    return ["---", f"Compared: {base} → {head}"]


def _revision(ref: str, sha: str | None, subject: str | None) -> str:
    out = code(ref)
    if sha:
        out += f" {code(sha[:12])}"
    if subject:
        out += f" ({text(subject)})"
    return out


def _note(note: str | None) -> list[str]:
    return ["", f"_{note}_"] if note else []
