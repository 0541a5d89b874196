"""The behaviour checks in the report: a row per check, a failing check's worst examples as a
table, the verdict's words, report.json against its schema, and a section the truncator keeps."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from modelci.behaviour import BehaviourResult, CheckResult, Example
from modelci.report import Verdict, render_markdown, write_reports
from modelci.report.text import render_text
from modelci.report.truncate import parse
from tests.unit.report.reports import oversized_report, sample_report

ROOT = Path(__file__).resolve().parents[3]


def behaviour(failing: bool = True) -> BehaviourResult:
    examples = (
        Example(row=54884, change="velocity_1h 4 → 6", before=0.8709, after=0.8450),
        Example(row=19566, change="velocity_1h 6 → 8", before=0.0380, after=0.0252),
    )
    return BehaviourResult(
        model="models/model.skops",
        data="data/test.parquet",
        sample=2000,
        checks=(
            CheckResult("invariance", "amount + 0.01", "|Δ score| ≤ 0.05", 2000, 0, 0.0006),
            CheckResult(
                "directional",
                "velocity_1h + 2",
                "no score may fall",
                2000,
                632 if failing else 0,
                0.0259 if failing else 0.0,
                examples if failing else (),
            ),
            CheckResult(
                "cases",
                "obvious <cases>",
                "each row classified as labelled (threshold 0.5)",
                8,
                1 if failing else 0,
                None,
                (Example("fuel @night", "expected 0, classified 1", None, 0.71, expected=0),)
                if failing
                else (),
            ),
        ),
    )


def failing_report() -> object:
    report = sample_report(passed=True)  # every gate held
    report.behaviour = behaviour()
    report.verdict = Verdict.FAIL
    return report


def test_the_verdict_names_the_failing_behaviour_checks_when_every_gate_held() -> None:
    report = failing_report()
    assert report.summary == (  # type: ignore[attr-defined]
        "Fail: 2 of 3 behaviour checks failed: velocity_1h + 2: 632 of 2,000 scores moved the "
        "wrong way (by up to 0.0259); obvious <cases>: 1 of 8 cases misclassified; 1 gate held"
    )
    passing = sample_report(passed=True)
    passing.behaviour = behaviour(failing=False)
    assert passing.summary == "Pass: 1 gate, 3 behaviour checks held"


def test_markdown_shows_each_check_then_the_worst_examples_of_the_failing_ones() -> None:
    markdown = render_markdown(failing_report())  # type: ignore[arg-type]
    section = markdown.split("### Behaviour checks\n\n", 1)[1].split("\n### ", 1)[0]
    assert markdown.index("### Gates") < markdown.index("### Behaviour checks")
    assert markdown.index("### Behaviour checks") < markdown.index("### Params changed")
    assert section.startswith(
        "1 of 3 checks held on <code>models/model.skops</code>, on up to 2,000 rows of "
        "<code>data/test.parquet</code> (seed 0).\n"
    )
    assert (
        "| <code>velocity&#95;1h + 2</code> | directional | no score may fall | 2,000 | 632 "
        "| 0.0259 | ❌ fail |"
    ) in section
    assert (
        "| <code>amount + 0.01</code> | invariance | &#124;Δ score&#124; &#8804; 0.05 " in section
    )
    assert "**<code>velocity&#95;1h + 2</code>**: 632 failing rows; the 2 worst shown" in section
    assert "| 54884 | velocity&#95;1h 4 &#8594; 6 | 0.8709 | 0.8450 | -0.0259 |" in section
    # Untrusted text is escaped: no tag, no mention.
    assert "<cases>" not in section
    assert "| fuel &#64;&#8203;night | expected 0, classified 1 | 0.7100 |" in section


def test_the_terminal_shows_the_same_tables_without_markup() -> None:
    text = render_text(failing_report())  # type: ignore[arg-type]
    lines = text.split("Behaviour checks\n", 1)[1].split("\n\n")[0].splitlines()
    assert (
        lines[0]
        == "  1 of 3 checks held on models/model.skops, on up to 2,000 rows of data/test.parquet (seed 0)."
    )
    assert lines[1].split() == ["check", "kind", "rule", "rows", "failing", "worst", "result"]
    assert lines[3].split()[-4:] == ["2,000", "632", "0.0259", "fail"]
    worst = text.split("Worst examples of velocity_1h + 2:\n", 1)[1].splitlines()
    assert worst[0].split() == ["row", "change", "score", "before", "score", "after", "Δ"]
    assert worst[1].split() == [
        "54884",
        "velocity_1h",
        "4",
        "→",
        "6",
        "0.8709",
        "0.8450",
        "-0.0259",
    ]


def test_report_json_holds_the_checks_and_follows_its_schema(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "docs/report.schema.json").read_text())
    written = write_reports(failing_report(), tmp_path)  # type: ignore[arg-type]
    data = json.loads(written.json.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["verdict"] == "fail" and data["exit_code"] == 1
    assert data["behaviour"]["passed"] is False
    directional = data["behaviour"]["checks"][1]
    assert (directional["kind"], directional["failures"], directional["passed"]) == (
        "directional",
        632,
        False,
    )
    assert directional["examples"][0] == {
        "row": 54884,
        "change": "velocity_1h 4 → 6",
        "score_before": 0.8709,
        "score_after": 0.845,
        "expected": None,
    }
    without = write_reports(sample_report(), tmp_path / "none")
    assert json.loads(without.json.read_text())["behaviour"] is None


def test_an_oversized_report_keeps_the_behaviour_section() -> None:
    report = oversized_report()
    report.behaviour = behaviour()
    markdown = render_markdown(report, max_chars=20_000)
    assert len(markdown) <= 20_000
    names = [section.name for section in parse(markdown)]
    assert "Behaviour checks" in names
    assert "Warnings" not in names  # cut before it
    assert "| 54884 | velocity&#95;1h 4 &#8594; 6 |" in markdown
