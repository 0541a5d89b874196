"""The report for a terminal: plain text, aligned tables, colour only when asked for.

Same content and order as report.md, without markup: untrusted text is shown printable
(control characters escaped, so a value cannot move the cursor or recolour the terminal).
Charts are summarised in a line; report.md holds them.
"""

from __future__ import annotations

from functools import partial

import click

from modelci.escape import printable
from modelci.metrics import shown
from modelci.report import behaviour, charts, slices, testsuite, values
from modelci.report.columns import table
from modelci.report.model import MetricInterval, Report, Verdict

_MAX_ROWS = 50
_LOG_LINES = 20
number = partial(shown.number, escape=printable)


def render_text(report: Report, *, color: bool = False) -> str:
    style = _Style(color)
    passed = report.verdict is Verdict.PASS
    mark = style.verdict("✓" if passed else "✗", passed)
    lines = [f"{mark} {style.bold(printable(report.title))}: {printable(report.summary)}"]
    if report.config_changed:
        lines.append("! This change edits modelci's own configuration in params.yaml.")
    intervals = {interval.source: interval for interval in report.intervals}
    for title, body in (
        ("Gates", _gates(report, intervals, style)),
        ("Tests", testsuite.text_lines(report.tests) if report.tests else []),
        ("Slices", slices.text_section(report.slices)),
        (behaviour.TITLE, behaviour.text_section(report.behaviour, table)),
        ("What went wrong", _error(report)),
        ("Params changed", _params(report)),
        ("Data validation", _validation(report)),
        ("Other metrics", _metrics(report, intervals)),
        ("Plots", _plots(report)),
        ("Pipeline", _pipeline(report)),
        ("Warnings", [f"- {printable(w)}" for w in report.warnings]),
    ):
        if body:
            lines += ["", style.bold(title), *("  " + line if line else "" for line in body)]
    lines += ["", _commits(report)]
    return "\n".join(lines) + "\n"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def bold(self, text: str) -> str:
        return click.style(text, bold=True) if self.color else text

    def verdict(self, text: str, passed: bool) -> str:
        return click.style(text, fg="green" if passed else "red", bold=True) if self.color else text


def _gates(report: Report, intervals: dict[str, MetricInterval], style: _Style) -> list[str]:
    if not report.gates:
        return ["No gates configured."] if report.verdict is Verdict.PASS else []
    rows = []
    results = []
    for gate in report.gates:
        rule = values.gate_rule(gate, at_least=">=", at_most="<=", escape=printable)
        interval = intervals.get(gate.source or "")
        rows.append(
            [
                printable(gate.metric),
                number(gate.base),
                values.with_interval(gate.head, interval, escape=printable),
                values.change_with_interval(gate.delta, None, interval),
                rule,
            ]
        )
        reason = "pass" if gate.passed else "fail: " + printable("; ".join(gate.reasons))
        rows[-1].append(reason)
        results.append((reason, gate.passed))
    lines = table(["metric", "base", "head", "change", "rule", "result"], rows, right={1, 2, 3})
    # The result is the last cell of its line: colour it after the columns are aligned.
    lines[1:] = [
        line[: -len(reason)] + style.verdict(reason, passed)
        for line, (reason, passed) in zip(lines[1:], results, strict=True)
    ]
    note = values.interval_note(report.intervals)
    return lines + ([note] if note else [])


def _error(report: Report) -> list[str]:
    if report.verdict is not Verdict.ERROR:
        return []
    lines = [printable(report.error or "unknown error")]
    if report.error_log:
        tail = report.error_log.splitlines()[-_LOG_LINES:]
        lines += ["", "Last lines of the log:", *(printable(line) for line in tail)]
    return lines


def _params(report: Report) -> list[str]:
    changed = [c for c in report.params if c.status != "unchanged"]
    if report.base is None or not changed:
        return ["No params changed."] if report.base is not None else []
    rows = [
        [printable(c.name), *(values.value(c, s, escape=printable) for s in ("base", "head"))]
        for c in changed
    ]
    return _capped(table(["param", "base", "head"], rows[:_MAX_ROWS]), len(rows))


def _validation(report: Report) -> list[str]:
    if not report.validation:
        return []
    from modelci.validation import render_text as render_validation

    return render_validation(report.validation).rstrip("\n").split("\n")


def _metrics(report: Report, intervals: dict[str, MetricInterval]) -> list[str]:
    gated = {gate.source for gate in report.gates}
    changed = [c for c in report.metrics if c.name not in gated and c.status != "unchanged"]
    rows = [
        [
            printable(c.name),
            values.value(c, "base", escape=printable),
            values.with_interval(c.head, intervals.get(c.name), escape=printable)
            if c.in_head
            else "absent",
            values.change_with_interval(c.delta, c, intervals.get(c.name)),
        ]
        for c in changed
    ]
    if not rows:
        return []
    lines = table(["metric (changed)", "base", "head", "change"], rows[:_MAX_ROWS], right={1, 2, 3})
    return _capped(lines, len(rows))


def _plots(report: Report) -> list[str]:
    lines = []
    for plot in report.plots:
        title = printable(plot.title)
        if plot.problem:
            lines.append(f"{title}: not drawn: {printable(plot.problem)}")
        elif plot.matrix is not None:
            m = plot.matrix
            counts = ", ".join(f"{k.upper()} {m.get(k, 0):,}" for k in ("tn", "fp", "fn", "tp"))
            lines.append(f"{title}: {counts}. {charts.confusion_summary(m)}")
        else:
            sides = "base and head" if plot.base_points else "head"
            lines.append(f"{title}: {len(plot.points)} points ({sides}), charted in report.md")
    return lines


def _pipeline(report: Report) -> list[str]:
    if report.repro is None:
        return []
    ran = ", ".join(printable(s) for s in report.repro.ran) or "none"
    skipped = ", ".join(printable(s) for s in report.repro.skipped) or "none"
    return [f"dvc repro ran: {ran}; unchanged and skipped: {skipped}"]


def _commits(report: Report) -> str:
    def revision(ref: str, sha: str | None, subject: str | None) -> str:
        out = printable(ref) + (f" {sha[:12]}" if sha else "")
        return out + (f" ({printable(subject)})" if subject else "")

    head = revision(report.head.ref, report.head.sha, report.head.subject)
    if report.base is None:
        return f"Compared: no base revision (first run) → {head}"
    return f"Compared: {revision(report.base.ref, report.base.sha, report.base.subject)} → {head}"


def _capped(lines: list[str], total: int) -> list[str]:
    shown = len(lines) - 1
    return lines + ([f"... {total - shown:,} more in report.json"] if total > shown else [])
