"""The team's tests in report.md, the text report, report.json, the summary and annotations."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import jsonschema

from modelci.adapters.actions import Actions
from modelci.operations.action import publish_report
from modelci.report import Verdict, write_reports
from modelci.report.markdown import render_markdown
from modelci.report.text import render_text
from modelci.report.truncate import truncate
from modelci.testsuite import TestCounts, TestFailure, TestsResult
from tests.unit.report.reports import oversized_report, sample_report

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = jsonschema.Draft202012Validator(json.loads((ROOT / "docs/report.schema.json").read_text()))

FAILURE = TestFailure(
    name="test_split_keeps_fraud_share",
    classname="scripts.tests.test_split",
    kind="failure",
    message="assert 0.0 == 0.015",
    text="def test_split_keeps_fraud_share():\n>       assert share == 0.015\nE       assert 0.0 == 0.015\n\nscripts/tests/test_split.py:21: AssertionError",
    file="scripts/tests/test_split.py",
    line=21,
)


def make_tests_result(
    status: str = "failed", mode: str = "required", **fields: object
) -> TestsResult:
    values: dict[str, object] = {
        "command": "python -m pytest -q scripts/tests --junitxml=eval/junit.xml",
        "junit": "eval/junit.xml",
        "mode": mode,
        "when": "before-pipeline",
        "status": status,
        "exit_code": 1 if status == "failed" else 0,
        "duration": 2.04,
        "counts": TestCounts(total=6, passed=5, failed=1)
        if status == "failed"
        else TestCounts(6, 6),
        "failures": (FAILURE,) if status == "failed" else (),
    }
    values.update(fields)
    return TestsResult(**values)  # type: ignore[arg-type]


def failing_tests_report():  # type: ignore[no-untyped-def]
    report = sample_report(passed=True)
    report.verdict = Verdict.FAIL
    report.tests = make_tests_result()
    return report


def test_summary_names_the_failing_test_when_the_gates_held() -> None:
    report = failing_tests_report()
    assert report.tests_failed
    assert report.summary == (
        "Fail: team tests: 1 of 6 tests failed: "
        "scripts/tests/test_split.py::test_split_keeps_fraud_share; 1 gate held"
    )


def test_summary_with_a_failed_gate_and_failed_tests_says_both() -> None:
    report = sample_report(passed=False)
    report.tests = make_tests_result()
    assert report.summary == (
        "Fail: 1 of 1 gate failed: f1 = 0.85, required >= 0.9; team tests: 1 of 6 tests failed: "
        "scripts/tests/test_split.py::test_split_keeps_fraud_share"
    )


def test_summary_of_a_pass_counts_the_tests_and_report_only_failures() -> None:
    report = sample_report(passed=True)
    report.tests = make_tests_result("passed")
    assert report.summary == "Pass: 1 gate held; team tests: 6 of 6 tests passed"
    report.base = None
    assert report.summary == (
        "Pass: 1 gate held (first run: no base to compare); team tests: 6 of 6 tests passed"
    )
    report.base = sample_report().base
    report.tests = make_tests_result(mode="report-only")
    assert not report.tests_failed
    assert report.summary == (
        "Pass: 1 gate held; team tests (report-only): 1 of 6 tests failed: "
        "scripts/tests/test_split.py::test_split_keeps_fraud_share"
    )


def test_markdown_section_lists_the_failure_and_collapses_its_traceback() -> None:
    markdown = render_markdown(failing_tests_report())
    section = markdown[markdown.index("### Tests") : markdown.index("### Params")]
    assert section.splitlines()[:5] == [
        "### Tests",
        "",
        "❌ **Tests failed** (required: fails the check): 1 of 6 tests failed: scripts/tests/test&#95;split.py::test&#95;split&#95;keeps&#95;fraud&#95;share",
        "",
        "<code>python -m pytest -q scripts/tests --junitxml=eval/junit.xml</code>; 6 tests: 5 passed, 1 failed, 0 errors, 0 skipped, in 2.0 s.",
    ]
    assert (
        "| <code>test&#95;split&#95;keeps&#95;fraud&#95;share</code> "
        "| <code>scripts/tests/test&#95;split.py:21</code> | failure | assert 0.0 == 0.015 |"
    ) in section
    assert (
        "<details><summary><code>scripts/tests/test&#95;split.py::test&#95;split&#95;keeps&#95;fraud&#95;share"
        "</code>: assert 0.0 == 0.015</summary>"
    ) in section
    assert "E       assert 0.0 == 0.015" in section  # the traceback, in a fence
    assert markdown.index("### Gates") < markdown.index("### Tests")


def test_markdown_marks_report_only_failures_as_outside_the_verdict() -> None:
    report = sample_report(passed=True)
    report.tests = make_tests_result(mode="report-only")
    assert "⚠️ **Tests failed** (report-only: not part of the verdict)" in render_markdown(report)


def test_no_tests_and_crashes_say_why_with_the_log() -> None:
    report = sample_report(passed=True)
    report.verdict = Verdict.FAIL
    report.tests = make_tests_result(
        "no-tests",
        counts=TestCounts(),
        failures=(),
        exit_code=5,
        problem="eval/junit.xml holds no test case (none was collected)",
        log_tail="no tests ran in 0.01s",
    )
    markdown = render_markdown(report)
    assert (
        "❌ **No test ran** (required: fails the check): no test ran: eval/junit.xml holds no test case"
        in markdown
    )
    assert "<details><summary>Last lines of the test command's output</summary>" in markdown
    report.tests = replace(
        report.tests,
        status="crashed",
        problem="the command exited with 139 without writing eval/junit.xml",
    )
    markdown = render_markdown(report)
    assert (
        "❌ **The test run crashed** (required: fails the check): the test run crashed: the command exited with 139"
        in markdown
    )


def test_untrusted_names_and_messages_are_escaped() -> None:
    report = failing_tests_report()
    evil = replace(
        FAILURE,
        name="test_<img src=x>",
        message="@admin see #12 </details>",
        text="```\n</details>",
    )
    report.tests = replace(report.tests, failures=(evil,))
    markdown = render_markdown(report)
    assert "<img" not in markdown
    assert "@admin" not in markdown and "&#64;&#8203;admin see &#35;&#8203;12" in markdown
    assert "&#60;img src=x&#62;" in markdown
    # a message cannot close a collapsed block early, nor a traceback its fence
    assert "see &#35;&#8203;12 &#60;/details&#62;</summary>" in markdown
    assert "````text\n```\n</details>\n````" in markdown


def test_the_tests_section_survives_truncation() -> None:
    report = oversized_report()
    report.tests = make_tests_result()
    cut, was_cut = truncate(render_markdown(report, max_chars=10**9), 20_000)
    assert was_cut
    assert "### Tests" in cut and "❌ **Tests failed**" in cut


def test_text_report_has_the_tests_lines() -> None:
    lines = render_text(failing_tests_report()).splitlines()
    block = lines[lines.index("Tests") + 1 : lines.index("Tests") + 4]
    assert block == [
        "  Tests failed (required: fails the check): 1 of 6 tests failed: scripts/tests/test_split.py::test_split_keeps_fraud_share",
        "  python -m pytest -q scripts/tests --junitxml=eval/junit.xml; 6 tests: 5 passed, 1 failed, 0 errors, 0 skipped, in 2.0 s",
        "  - scripts/tests/test_split.py::test_split_keeps_fraud_share (line 21): assert 0.0 == 0.015",
    ]


def test_report_json_tests_key_follows_the_schema(tmp_path: Path) -> None:
    written = write_reports(failing_tests_report(), tmp_path)
    data = json.loads(written.json.read_text())
    SCHEMA.validate(data)
    tests = data["tests"]
    assert (tests["status"], tests["blocking"], tests["counts"]["failed"]) == ("failed", True, 1)
    assert tests["failures"][0] == {
        "id": "scripts/tests/test_split.py::test_split_keeps_fraud_share",
        "name": "test_split_keeps_fraud_share",
        "classname": "scripts.tests.test_split",
        "kind": "failure",
        "message": "assert 0.0 == 0.015",
        "text": FAILURE.text,
        "file": "scripts/tests/test_split.py",
        "line": 21,
    }
    no_tests = write_reports(sample_report(), tmp_path / "none")
    assert json.loads(no_tests.json.read_text())["tests"] is None


def publish(report, env: dict[str, str], root: Path) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    paths = {"markdown": root / "report.md", "json": root / "report.json"}
    publish_report(Actions(env=env, out=out), report, "", paths, "params.yaml", root)
    return out.getvalue()


def test_annotations_point_at_the_failing_test_relative_to_the_workspace(tmp_path: Path) -> None:
    project = tmp_path / "repo" / "project"  # a monorepo: the project is a subfolder
    (project / "scripts/tests").mkdir(parents=True)
    (project / "scripts/tests/test_split.py").write_text("x\n" * 30)
    env = {"GITHUB_WORKSPACE": str(tmp_path / "repo")}
    out = publish(failing_tests_report(), env, project)
    assert (
        "::error file=project/scripts/tests/test_split.py,line=21,"
        "title=Test failed%3A test_split_keeps_fraud_share::assert 0.0 == 0.015"
    ) in out.splitlines()
    report = sample_report(passed=True)
    report.tests = make_tests_result(mode="report-only")
    assert "::warning file=project/scripts/tests/test_split.py,line=21," in publish(
        report, env, project
    )


def test_a_run_without_failures_to_point_at_is_annotated_on_the_configuration(
    tmp_path: Path,
) -> None:
    report = sample_report(passed=True)
    report.tests = make_tests_result(
        "no-tests", counts=TestCounts(), failures=(), problem="none was collected"
    )
    out = publish(report, {"GITHUB_WORKSPACE": str(tmp_path)}, tmp_path)
    assert (
        "::error file=params.yaml,title=No test ran::no test ran: none was collected"
        in out.splitlines()
    )
    report.tests = make_tests_result("passed")
    assert "Test" not in publish(report, {}, tmp_path)
