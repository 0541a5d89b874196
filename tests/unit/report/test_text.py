"""The terminal report: plain text, aligned, coloured only when asked."""

from __future__ import annotations

from modelci.report.columns import table
from modelci.report.text import render_text
from tests.unit.report.reports import oversized_report, sample_report, with_intervals


def test_the_text_report_has_the_verdict_gates_with_intervals_and_no_markup() -> None:
    out = render_text(with_intervals(sample_report(passed=False)))
    lines = out.splitlines()
    assert lines[0] == "✗ Fraud model: Fail: 1 of 1 gate failed: f1 = 0.85, required >= 0.9"
    header = lines[lines.index("Gates") + 1]
    row = lines[lines.index("Gates") + 2]
    assert header.split() == ["metric", "base", "head", "change", "rule", "result"]
    assert "0.850 (0.930 to 0.960)" in row and "Δ -0.080 (-0.031 to +0.006)" in row
    assert row.index("fail: f1 = 0.85") == header.index("result")
    assert "0.980 (0.975 to 0.985)" in out  # a metric that is not gated
    assert "CM: TN 90, FP 2, FN 3, TP 5." in out
    assert (
        lines[-1] == "Compared: main aaaaaaaaaaaa (Baseline) → workspace bbbbbbbbbbbb (Tune depth)"
    )
    for markup in ("&#", "<code>", "<details>", "|", "**", "\x1b["):
        assert markup not in out, markup


def test_colour_only_when_asked() -> None:
    assert "\x1b[" not in render_text(sample_report(), color=False)
    coloured = render_text(sample_report(), color=True)
    assert coloured.startswith("\x1b[32m\x1b[1m✓\x1b[0m")


def test_columns_are_aligned_and_long_lists_capped() -> None:
    assert table(["name", "n"], [["a", "1"], ["long name", "10"]], right={1}) == [
        "name        n",
        "a           1",
        "long name  10",
    ]
    out = render_text(oversized_report())
    assert "... 350 more in report.json" in out  # 400 params changed, 50 shown
    assert "✗ set0 (data/set0.csv): invalid against schemas/transactions.yaml" in out
