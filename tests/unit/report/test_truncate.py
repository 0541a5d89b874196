"""The one truncator: cut by structure, keep what matters, leave nothing open."""

from __future__ import annotations

import re

from modelci.report import MAX_REPORT_CHARS, render_markdown
from modelci.report.truncate import parse, truncate
from tests.unit.report.reports import oversized_report


def balanced(text: str) -> None:
    """No <details> or code fence left open; every table row closed with a pipe."""
    depth = 0
    fence: str | None = None
    for line in text.splitlines():
        marker = re.match(r"^(`{3,}|~{3,})", line)
        if fence is not None:
            if marker and marker.group(1).startswith(fence) and line.strip() == marker.group(1):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        depth += line.count("<details") - line.count("</details>")
        assert depth >= 0, line
        if line.startswith("|"):
            assert line.rstrip().endswith("|"), f"table row left open: {line[-40:]!r}"
    assert fence is None, "a code fence is left open"
    assert depth == 0, "a <details> block is left open"


def outside_details(text: str, needle: str) -> bool:
    before = text[: text.index(needle)]
    return before.count("<details") == before.count("</details>")


def test_the_issues_oversized_report_fits_and_keeps_what_matters() -> None:
    text = render_markdown(oversized_report())
    assert len(text) <= MAX_REPORT_CHARS
    lines = text.splitlines()
    assert lines[0] == "## ❌ Fraud model"
    assert lines[2] == "**Fail: 1 of 1 gate failed: f1 = 0.85, required &#62;= 0.9**"
    assert "### Gates" in lines and "### Params changed" in lines and "### Data validation" in lines
    assert any(line.startswith("| <code>params.yaml:param&#95;0&#95;") for line in lines)
    for dataset in ("set0", "set1", "set2"):  # every dataset's summary line survives
        assert any(line.startswith(f"❌ **{dataset}**") for line in lines)
    assert lines[-1].startswith("Compared: <code>main</code>")
    balanced(text)
    note = "> Cut to fit GitHub's 65,536-character limit for a comment: "
    assert note in text and outside_details(text, note)
    assert text.index(note) < text.index("### Gates")  # seen before anything else


def test_details_go_before_sections_and_sections_in_order_of_least_importance() -> None:
    full = render_markdown(oversized_report(), max_chars=10**7)
    assert "### Pipeline" in full and "<details><summary>Data (resampled)" in full
    names = [s.name for s in parse(full)]
    assert names[:4] == ["", "Gates", "Params changed", "Data validation"]

    text, cut = truncate(full, len(full) - 100)
    assert cut and "“Data (resampled)” (collapsed)" in text  # plot data goes first
    assert "### Pipeline" in text and "### Warnings" in text

    small, _ = truncate(full, 30_000)
    assert len(small) <= 30_000
    assert "<details" not in small
    assert "### Pipeline" not in small and "### Plots" not in small  # least important
    assert "### Gates" in small and "### Params changed" in small
    balanced(small)


def test_a_protected_table_too_long_is_cut_by_rows_with_a_count() -> None:
    rows = "\n".join(f"| <code>p{i}</code> | {i} | {i + 1} |" for i in range(3000))
    body = f"## T\n\n**Pass**\n\n### Params changed\n\n| Param | Base | Head |\n| --- | --- | --- |\n{rows}\n"
    text, cut = truncate(body, 20_000)
    assert cut and len(text) <= 20_000
    shown = sum(1 for line in text.splitlines() if line.startswith("| <code>p"))
    assert f"_{3000 - shown:,} more rows in report.json._" in text
    balanced(text)


def test_an_unbroken_line_is_cut_as_a_last_resort() -> None:
    text, cut = truncate("y" * 200_000, 65_000)
    assert cut and 64_000 < len(text) <= 65_000
    assert "the end of the longest remaining block" in text


def test_a_text_that_fits_is_returned_unchanged() -> None:
    body = "## T\n\n<details>\n\nx\n\n</details>\n"
    assert truncate(body, len(body)) == (body, False)
