"""The behaviour checks' section of the report: one row per check, then each failing check's
worst examples (row, change, score before and after) as a table.

The section is `### Behaviour checks`, which the truncator keeps (report/truncate.py, KEEP): when
a report must be cut, only rows of its longest tables go, never the section.
"""

from __future__ import annotations

from collections.abc import Callable

from modelci.behaviour import BehaviourResult, CheckResult
from modelci.escape import code, plural, printable, text
from modelci.report.truncate import cap_rows

TITLE = "Behaviour checks"
_MAX_ROWS = 50
_MAX_CHARS = 8_000
Table = Callable[[list[str], list[list[str]], set[int]], list[str]]
Escape = Callable[[object], str]


def markdown_section(result: BehaviourResult | None) -> list[str]:
    if result is None:
        return []
    rows = [
        f"| {code(check.name)} | {check.kind} | {text(check.rule)} | {check.rows:,} "
        f"| {check.failures:,} | {_worst(check)} | {_result(check)} |"
        for check in result.checks
    ]
    lines = [
        f"### {TITLE}",
        "",
        _intro(result, text, code),
        "",
        "| Check | Kind | Rule | Rows | Failing | Worst | Result |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
        *cap_rows(rows, max_rows=_MAX_ROWS, max_chars=_MAX_CHARS, noun="check"),
    ]
    for check in result.failed:
        if check.examples:
            lines += ["", *_examples_markdown(check)]
    return lines


def text_section(result: BehaviourResult | None, table: Table) -> list[str]:
    """The same section for a terminal; `table` aligns columns (report/text.py's)."""
    if result is None:
        return []
    rows = [
        [
            printable(check.name),
            check.kind,
            printable(check.rule),
            f"{check.rows:,}",
            f"{check.failures:,}",
            _worst(check),
            "pass" if check.passed else "fail",
        ]
        for check in result.checks
    ]
    header = ["check", "kind", "rule", "rows", "failing", "worst", "result"]
    lines = [_intro(result, printable, printable), *table(header, rows, {3, 4, 5})]
    for check in result.failed:
        if check.note:
            lines.append(f"{printable(check.name)}: {printable(check.note)}")
        if check.examples:
            header, cells = _example_cells(check, printable)
            lines += ["", f"Worst examples of {printable(check.name)}:"]
            header = [name if name == "Δ" else name.lower() for name in header]
            lines += table(header, cells, set(range(2, len(header))))
    return lines


def _intro(result: BehaviourResult, prose: Escape, path: Escape) -> str:
    """`3 of 4 checks held on <model>, on up to 2,000 rows of <data> (seed 0).`"""
    held = len(result.checks) - len(result.failed)
    line = prose(f"{held} of {plural(len(result.checks), 'check')} held on ") + path(result.model)
    if result.data:
        rows = "every row" if result.sample is None else f"up to {result.sample:,} rows"
        line += prose(f", on {rows} of ") + path(result.data) + prose(f" (seed {result.seed})")
    return line + "."


def _worst(check: CheckResult) -> str:
    return "—" if check.worst is None else f"{check.worst:.3g}"


def _result(check: CheckResult) -> str:
    if check.passed:
        return "✅ pass"
    return "❌ " + text(check.note or "fail")


def _examples_markdown(check: CheckResult) -> list[str]:
    header, cells = _example_cells(check, text)
    shown = len(check.examples)
    more = f"; the {shown} worst shown" if check.failures > shown else ""
    return [
        f"**{code(check.name)}**: {plural(check.failures, 'failing row')}{more}",
        "",
        "| " + " | ".join(header) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in header[2:]) + " |",
        *("| " + " | ".join(row) + " |" for row in cells),
    ]


def _example_cells(check: CheckResult, escape: Escape) -> tuple[list[str], list[list[str]]]:
    if check.kind == "cases":
        header = ["Row", "Outcome", "Score"]
        return header, [[escape(e.row), escape(e.change), f"{e.after:.4f}"] for e in check.examples]
    header = ["Row", "Change", "Score before", "Score after", "Δ"]
    return header, [
        [
            escape(e.row),
            escape(e.change),
            f"{e.before:.4f}" if e.before is not None else "—",
            f"{e.after:.4f}",
            f"{e.moved:+.4f}" if e.moved is not None else "—",
        ]
        for e in check.examples
    ]
