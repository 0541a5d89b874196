"""The report's Slices section: every slice's gated metrics, failed and most moved first.

One table for report.md and the terminal alike (`_cells`): slice, rows, positives, then per
shown metric its head value (with interval) and change (with interval), then the result. The
metrics shown are the slice gates' (or the first two computed, without gates); every metric of
every slice is in a collapsed table below it, and in report.json. Column names and values are
untrusted text: each renderer escapes them.
"""

from __future__ import annotations

from modelci.escape import code, plural, printable, text
from modelci.metrics.shown import Escape, number
from modelci.report import values
from modelci.report.truncate import cap_rows
from modelci.slices.model import SliceResult, SlicesResult

_MAX_ROWS = 50
_MAX_CHARS = 8_000


def shown_metrics(result: SlicesResult) -> tuple[str, ...]:
    return result.gated or result.metrics[:2]


def headline(result: SlicesResult) -> str:
    """`1 of 10 slice gates failed; 15 slices of merchant_category, amount, 5 small (...)`."""
    small = len(result.small)
    return (
        f"{result.summary[0].upper()}{result.summary[1:]}; "
        f"{plural(len(result.slices), 'slice')} of {', '.join(result.columns)} in {result.data}"
        + (
            f", {small} small (fewer than {result.min_support} positives: reported, not gated)"
            if small
            else ""
        )
        + "."
    )


def method(result: SlicesResult) -> str:
    """How the numbers were measured: intervals, pairing, where the base's slices came from."""
    paired = ""
    if result.paired is not None:
        paired = ", paired (the same rows on both sides)" if result.paired else ", unpaired"
    line = (
        f"Intervals: {result.confidence:.0%} bootstrap within each slice, "
        f"{result.resamples:,} resamples{paired}."
    )
    return line + (f" Base rows sliced by {result.base_data}." if result.base_data else "")


def _result(item: SliceResult, min_support: int, escape: Escape, marks: tuple[str, str]) -> str:
    if item.small:
        return f"small: {plural(item.positives, 'positive')} (< {min_support}), not gated"
    if not item.gates:
        return "—"
    if item.passed:
        outcome = f"{marks[0]}pass"
    else:
        outcome = marks[1] + escape("; ".join(r for g in item.failed_gates for r in g.reasons))
    notes = [note for gate in item.gates for note in gate.notes]
    return outcome + (f" ({escape('; '.join(notes))})" if notes else "")


def _cells(
    result: SlicesResult, name: Escape, escape: Escape, marks: tuple[str, str]
) -> tuple[list[str], list[list[str]]]:
    shown = shown_metrics(result)
    header = ["Slice", "Rows", "Positives"]
    for metric in shown:
        header += [metric, "Change"]
    header.append("Result")
    rows = []
    for item in result.slices:
        row = [
            f"{name(item.column)} = {escape(item.value)}",
            f"{item.rows:,}",
            f"{item.positives:,}",
        ]
        for metric_name in shown:
            found = item.metric(metric_name)
            if found is None:
                row += ["—", "—"]
                continue
            row += [
                values.with_interval(found.head, found.interval, escape=escape),
                values.change_with_interval(found.delta, None, found.interval),
            ]
        row.append(_result(item, result.min_support, escape, marks))
        rows.append(row)
    return header, rows


def _defined(value: float) -> float | None:
    return value if value == value else None  # NaN (one class in the slice): shown as —


def markdown_section(result: SlicesResult | None) -> list[str]:
    if result is None:
        return []
    header, rows = _cells(result, code, text, ("✅ ", "❌ "))
    lines = [f"| {' | '.join(row)} |" for row in rows]
    align = ["---", "---:", "---:", *(["---:"] * (len(header) - 4)), "---"]
    every = [
        f"| {code(s.column)} = {text(s.value)} | "
        + " | ".join(number(_defined(m.head), escape=text) for m in s.metrics)
        + " |"
        for s in result.slices
    ]
    return [
        "### Slices",
        "",
        text(headline(result)),
        "",
        f"| {' | '.join(header)} |",
        f"| {' | '.join(align)} |",
        *cap_rows(lines, max_rows=_MAX_ROWS, max_chars=_MAX_CHARS, noun="slice"),
        "",
        f"_{text(method(result))}_",
        *[f"- {text(note)}" for note in result.notes],
        "",
        "<details><summary>Every metric in every slice (head)</summary>",
        "",
        f"| Slice | {' | '.join(result.metrics)} |",
        f"| --- |{' ---: |' * len(result.metrics)}",
        *cap_rows(every, max_rows=_MAX_ROWS, max_chars=_MAX_CHARS, noun="slice"),
        "",
        "</details>",
    ]


def text_section(result: SlicesResult | None) -> list[str]:
    if result is None:
        return []
    from modelci.report.columns import table

    header, rows = _cells(result, printable, printable, ("", "fail: "))
    right = set(range(1, len(header) - 1))
    lines = table([h.lower() if h[0].isupper() else h for h in header], rows[:_MAX_ROWS], right)
    more = [f"... {len(rows) - _MAX_ROWS:,} more in report.json"] if len(rows) > _MAX_ROWS else []
    notes = [f"- {printable(note)}" for note in result.notes]
    return [printable(headline(result)), *lines, *more, printable(method(result)), *notes]
