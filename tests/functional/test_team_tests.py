"""The team's tests on the reference pipeline: a broken script function fails its unit test, and
`modelci check` fails on it (exit 1) with the test named, while every headline gate holds."""

from __future__ import annotations

import pytest

from .conftest import MiniProject
from .test_reference_pipeline import edit_params, reference, run_check

__all__ = ["reference"]  # the module-scoped fixture: a reproduced copy of the reference pipeline

pytestmark = pytest.mark.slow

BROKEN = "scripts/evaluate.py"
THIN_TEST = (
    "scripts/tests/test_evaluate.py::"
    "test_thin_keeps_short_curves_whole_and_long_ones_short_with_both_ends"
)


def test_a_broken_script_function_fails_its_unit_test_and_the_check(
    reference: MiniProject,
) -> None:
    passed = run_check(reference)
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    tests = reference.report()["tests"]
    assert (tests["status"], tests["blocking"], tests["failures"]) == ("passed", False, [])  # type: ignore[index]
    assert tests["counts"] == {"total": 8, "passed": 8, "failed": 0, "errors": 0, "skipped": 0}  # type: ignore[index]
    assert tests["when"] == "after-pipeline"  # type: ignore[index]

    # The PR curve's thinning loses its last point on short curves: no metric moves.
    source = (reference.root / BROKEN).read_text()
    broken = source.replace("        return np.arange(n)\n", "        return np.arange(n - 1)\n")
    assert broken != source
    reference.write(BROKEN, broken)
    failed = run_check(reference)
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    report = reference.report()
    assert report["verdict"] == "fail"
    assert all(gate["passed"] for gate in report["gates"]), report["gates"]  # type: ignore[union-attr,index]
    assert "evaluate" in report["pipeline"]["ran"]  # type: ignore[index]
    tests = report["tests"]
    assert (tests["status"], tests["blocking"]) == ("failed", True)  # type: ignore[index]
    assert tests["counts"] == {"total": 8, "passed": 7, "failed": 1, "errors": 0, "skipped": 0}  # type: ignore[index]
    [failure] = tests["failures"]  # type: ignore[index]
    assert failure["id"] == THIN_TEST
    assert (failure["file"], failure["line"]) == ("scripts/tests/test_evaluate.py", 8)
    assert failure["message"] == "assert [0, 1, 2, 3] == [0, 1, 2, 3, 4]"
    assert report["summary"] == (
        f"Fail: team tests: 1 of 8 tests failed: {THIN_TEST}; 3 gates, 3 behaviour checks held; "
        "10 slice gates held"
    )
    markdown = (reference.root / "report.md").read_text()
    assert "❌ **Tests failed** (required: fails the check)" in markdown
    assert "<code>scripts/tests/test&#95;evaluate.py:8</code>" in markdown

    # report-only: the same failure is shown, and the verdict is the gates' alone
    edit_params(reference, "modelci", tests={**_tests_config(reference), "mode": "report-only"})
    reported = run_check(reference)
    assert reported.returncode == 0, reported.stderr[-3000:]
    report = reference.report()
    assert report["tests"]["status"] == "failed" and not report["tests"]["blocking"]  # type: ignore[index]
    assert report["summary"] == (
        "Pass: 3 gates, 3 behaviour checks held; team tests (report-only): 1 of 8 tests failed: "
        f"{THIN_TEST}; "
        "10 slice gates held"
    )


def _tests_config(project: MiniProject) -> dict[str, object]:
    return dict(project.params()["modelci"]["tests"])  # type: ignore[index]
