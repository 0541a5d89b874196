"""The Slices section: failed first, small marked, escaped, in report.json, cut by rows."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd

from modelci.config import IntervalsConfig, SlicesConfig
from modelci.report import MAX_REPORT_CHARS, Verdict, render_markdown
from modelci.report.text import render_text
from modelci.report.writer import write_reports
from modelci.slices import SliceInputs, SlicesResult, evaluate_slices
from modelci.stats import Predictions
from tests.unit.report.reports import sample_report
from tests.unit.report.test_truncate import balanced

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = "@org/team <b>|x"


def slices(
    categories: list[str], weights: list[float], blind: str, n: int = 8000, min_support: int = 30
) -> SlicesResult:
    """Slices of `n` scored rows by category; the head model misses every fraud in `blind`."""
    rng = np.random.default_rng(0)
    p = np.asarray(weights) / sum(weights)
    category = rng.choice(categories, size=n, p=p)
    y = (rng.random(n) < 0.1).astype(np.int8)
    base_score = np.clip(0.15 + 0.7 * y + rng.normal(0, 0.12, n), 0, 1)
    head_score = np.where((category == blind) & (y == 1), 0.1, base_score)
    data = pd.DataFrame({"id": np.arange(n), "category": category})
    settings = SlicesConfig.model_validate(
        {
            "data": "data/test.csv",
            "id": "id",
            "columns": ["category"],
            "gates": [{"metric": "recall", "threshold": 0.7, "line": 31}],
            "max_slices": 1000,
            "min_support": min_support,
        }
    )
    return evaluate_slices(
        settings,
        SliceInputs(
            head=Predictions(np.arange(n), y, head_score),
            head_data=data,
            base=Predictions(np.arange(n), y, base_score),
            base_data=data,
            base_data_label="the base's own data/test.csv",
        ),
        id_column="id",
        threshold=0.5,
        intervals=IntervalsConfig(resamples=200),
    )


def failing_report() -> object:
    report = sample_report(passed=True)
    report.slices = slices(["grocery", "travel", HOSTILE, "health"], [40, 30, 29, 1], "travel")
    report.verdict = Verdict.FAIL
    return report


def test_the_failed_slice_comes_first_with_its_evidence_and_small_ones_are_marked() -> None:
    report = failing_report()
    markdown = render_markdown(report)  # type: ignore[arg-type]
    assert markdown.index("### Gates") < markdown.index("### Slices") < markdown.index("### Params")
    assert "**Fail: 1 of 3 slice gates failed: category = travel: recall = 0" in (
        markdown.replace("&#95;", "_").replace("&#62;", ">")
    )
    section = markdown[markdown.index("### Slices") :].split("\n### ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| <code>category")]
    assert rows[0].startswith("| <code>category</code> = travel |")
    assert "| 0.000 (0.000 to 0.000) | Δ -" in rows[0]
    assert "❌ recall = 0, required &#62;= 0.7" in rows[0]
    health = next(row for row in rows if "= health |" in row)
    assert health.endswith("small: " + health.split(" | ")[2] + " positives (< 30), not gated |")
    assert sum("✅ pass" in row for row in rows[:4]) == 2
    assert "_Intervals: 95% bootstrap within each slice, 200 resamples, paired (the same rows" in (
        section
    )
    assert "Base rows sliced by the base's own data/test.csv." in section
    # A value from the data is text: no mention, no markup, no broken table.
    assert "@org" not in markdown and "<b>" not in markdown
    assert "&#64;&#8203;org/team &#60;b&#62;&#124;x" in markdown


def test_the_terminal_shows_the_same_slices_in_columns() -> None:
    text = render_text(failing_report())  # type: ignore[arg-type]
    lines = text.splitlines()
    start = lines.index("Slices")
    assert lines[start + 2].split() == ["slice", "rows", "positives", "recall", "change", "result"]
    assert lines[start + 3].lstrip().startswith("category = travel")
    assert "fail: recall = 0, required >= 0.7" in lines[start + 3]
    assert any("category = @org/team <b>|x" in line for line in lines)


def test_report_json_holds_the_slices_as_its_schema_says(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "docs/report.schema.json").read_text())
    data = write_reports(failing_report(), tmp_path).data  # type: ignore[arg-type]
    jsonschema.Draft202012Validator(schema).validate(data)
    first = data["slices"]["slices"][0]
    assert (first["column"], first["value"], first["passed"]) == ("category", "travel", False)
    assert data["slices"]["passed"] is False
    recall = next(m for m in first["metrics"] if m["metric"] == "recall")
    assert recall["head"] == 0.0 and recall["delta_interval"]["high"] < 0
    assert data["verdict"] == "fail"


def test_a_huge_slice_table_is_cut_by_rows_keeping_the_failures() -> None:
    names = [f"merchant-{i:03d}-{'x' * 60}" for i in range(600)]
    report = sample_report(passed=True)
    report.slices = slices(names, [1.0] * 600, "merchant-123-" + "x" * 60, n=60_000, min_support=3)
    report.verdict = Verdict.FAIL
    markdown = render_markdown(report, max_chars=12_000)
    assert len(markdown) <= 12_000
    balanced(markdown)
    section = markdown[markdown.index("### Slices") :]
    first = next(line for line in section.splitlines() if line.startswith("| <code>"))
    assert "merchant-123-" in first and "❌" in first
    assert "more slice" in section  # capped at 50 rows, the rest in report.json
    uncut = render_markdown(report)
    assert len(uncut) <= MAX_REPORT_CHARS
    # Both tables (the gated metrics, and every metric collapsed) stop at 50 rows or 8,000
    # characters, and say how many slices are left for report.json.
    tables = uncut[uncut.index("### Slices") :].split("\n### ")[0].split("<details>")
    for table in tables:
        shown = table.count("| <code>category</code>")
        assert 40 < shown <= 50
        assert f"_{600 - shown:,} more slices in report.json._" in table


def test_a_failed_slice_gate_is_annotated_on_its_line_of_the_configuration(tmp_path: Path) -> None:
    import io

    from modelci.adapters.actions import Actions
    from modelci.operations.action import publish_report

    report = failing_report()
    out = io.StringIO()
    paths = {"markdown": tmp_path / "report.md", "json": tmp_path / "report.json"}
    publish_report(Actions(env={}, out=out), report, "", paths, "params.yaml", tmp_path)  # type: ignore[arg-type]
    errors = [line for line in out.getvalue().splitlines() if line.startswith("::error")]
    assert errors == [
        "::error file=params.yaml,line=31,title=Slice gate failed%3A category = travel::"
        "recall = 0, required >= 0.7"
    ]


def test_a_passing_check_counts_its_slice_gates_in_the_verdict() -> None:
    report = sample_report(passed=True)
    report.slices = slices(["grocery", "travel"], [1, 1], blind="none")
    assert report.summary == "Pass: 1 gate held; 2 slice gates held"
    assert "**Pass: 1 gate held; 2 slice gates held**" in render_markdown(report)
