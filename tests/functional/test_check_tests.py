"""`modelci check` with `modelci.tests` on real git + DVC repositories (see conftest.py)."""

from __future__ import annotations

import sys

from .conftest import GOOD_ROWS, MiniProject
from .test_check import check

FAILING = "def test_ok():\n    pass\n\n\ndef test_broken():\n    assert 2 + 2 == 5\n"


def use_tests(project: MiniProject, source: str | None, **tests: object) -> None:
    if source is not None:
        project.write("checks/test_toy.py", source)
    section = project.params()["modelci"]
    command = f"{sys.executable} -m pytest -q checks --junitxml=junit.xml -p no:cacheprovider"
    section["tests"] = {"command": command, "junit": "junit.xml", **tests}  # type: ignore[index]
    project.set_modelci(section)  # type: ignore[arg-type]


def test_tests_run_before_the_pipeline_and_are_reported_even_on_bad_data(
    project: MiniProject,
) -> None:
    use_tests(project, FAILING)
    project.write_rows([{**GOOD_ROWS[0], "color": "purple"}, *GOOD_ROWS[1:]])
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 4, result.output
    report = project.report()
    assert report["verdict"] == "invalid-data"  # the data verdict comes first
    tests = report["tests"]
    assert (tests["status"], tests["when"], tests["counts"]["failed"]) == (  # type: ignore[index]
        "failed",
        "before-pipeline",
        1,
    )
    assert [f["id"] for f in tests["failures"]] == ["checks/test_toy.py::test_broken"]  # type: ignore[index]
    assert "### Tests" in (project.root / "report.md").read_text()


def test_failing_tests_fail_a_check_whose_gates_hold(project: MiniProject) -> None:
    use_tests(project, FAILING)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 1, result.output
    report = project.report()
    assert all(gate["passed"] for gate in report["gates"])  # type: ignore[union-attr,index]
    assert report["summary"] == (
        "Fail: team tests: 1 of 2 tests failed: checks/test_toy.py::test_broken; 2 gates held"
    )
    failure = report["tests"]["failures"][0]  # type: ignore[index]
    assert (failure["file"], failure["line"], failure["message"]) == (
        "checks/test_toy.py",
        6,
        "assert (2 + 2) == 5",
    )


def test_no_test_collected_fails_a_required_run(project: MiniProject) -> None:
    use_tests(project, "# nothing here yet\n")
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 1, result.output
    assert project.report()["summary"] == (
        "Fail: team tests: no test ran: junit.xml holds no test case (none was collected); "
        "2 gates held"
    )


def test_after_the_pipeline_tests_do_not_run_when_it_fails(project: MiniProject) -> None:
    use_tests(project, FAILING, when="after-pipeline")
    project.set_params(crash=True)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 5, result.output
    report = project.report()
    assert report["tests"] is None
    assert report["warnings"] == [
        "the team's tests did not run: they run after the pipeline (`modelci.tests.when: "
        "after-pipeline`), which did not finish"
    ]


def test_a_test_command_that_is_not_installed_is_a_configuration_error(
    project: MiniProject,
) -> None:
    section = project.params()["modelci"]
    section["tests"] = {"command": "no-such-test-runner -q", "junit": "junit.xml"}  # type: ignore[index]
    project.set_modelci(section)  # type: ignore[arg-type]
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 3, result.output
    assert (
        "Error: params.yaml (key `modelci.tests.command`): the test command "
        "`no-such-test-runner` was not found on PATH"
    ) in result.stderr
    assert "python -m pytest" in result.stderr
    assert not (project.root / "report.json").exists()
