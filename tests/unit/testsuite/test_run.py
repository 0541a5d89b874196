"""Running the team's test command: real child processes, real pytest runs."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import pytest

from modelci.config.tests import TestsConfig
from modelci.errors import ConfigError
from modelci.testsuite import TestCounts, TestsResult, run_tests

PY = sys.executable
PASSING = "def test_one():\n    pass\n\ndef test_two():\n    assert 1 + 1 == 2\n"
FAILING = "def test_one():\n    pass\n\ndef test_two():\n    assert 1 + 1 == 3\n"


def config(command: str, **fields: object) -> TestsConfig:
    return TestsConfig.model_validate({"command": command, "junit": "junit.xml", **fields})


def pytest_command(path: str = "tests") -> str:
    return f"{PY} -m pytest -q {path} --junitxml=junit.xml -p no:cacheprovider"


def run(root: Path, tests: TestsConfig, env: dict[str, str] | None = None) -> TestsResult:
    return run_tests(
        tests, root, params_file=root / "params.yaml", config_file="params.yaml", env=env
    )


def project(tmp_path: Path, source: str | None) -> Path:
    (tmp_path / "tests").mkdir()
    if source is not None:
        (tmp_path / "tests" / "test_x.py").write_text(source)
    return tmp_path


def test_a_passing_run(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_tests(
        config(pytest_command()),
        project(tmp_path, PASSING),
        params_file=tmp_path / "params.yaml",
        config_file="params.yaml",
        on_line=lines.append,
    )
    assert (result.status, result.exit_code, result.blocking) == ("passed", 0, False)
    assert result.counts == TestCounts(total=2, passed=2)
    assert result.summary == "2 of 2 tests passed"
    assert any("2 passed" in line for line in lines)  # the runner's output is streamed


@pytest.mark.parametrize(("mode", "blocking"), [("required", True), ("report-only", False)])
def test_a_failing_test_blocks_only_when_required(
    tmp_path: Path, mode: str, blocking: bool
) -> None:
    result = run(project(tmp_path, FAILING), config(pytest_command(), mode=mode))
    assert (result.status, result.exit_code, result.blocking) == ("failed", 1, blocking)
    assert result.summary == "1 of 2 tests failed: tests/test_x.py::test_two"
    [failure] = result.failures
    assert (failure.file, failure.line, failure.message) == (
        "tests/test_x.py",
        5,
        "assert (1 + 1) == 3",
    )


def test_no_test_collected_is_flagged_not_passed(tmp_path: Path) -> None:
    result = run(project(tmp_path, "# no tests yet\n"), config(pytest_command()))
    assert (result.status, result.exit_code, result.blocking) == ("no-tests", 5, True)
    assert result.summary == "no test ran: junit.xml holds no test case (none was collected)"
    assert "no tests ran" in result.log_tail
    assert not run(tmp_path, config(pytest_command(), mode="report-only")).blocking


def test_a_command_not_on_path_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        run(tmp_path, config("no-such-runner-here -q"))
    error = raised.value
    assert error.message == (
        "params.yaml (key `modelci.tests.command`): the test command `no-such-runner-here` "
        "was not found on PATH"
    )
    assert error.hint is not None and "python -m pytest" in error.hint
    assert error.exit_code == 3


def test_a_runner_that_dies_without_writing_xml_is_a_crash(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text('<testsuite><testcase name="old"/></testsuite>')  # stale
    command = f"{PY} -c \"import sys; print('segfault, say'); sys.exit(139)\""
    result = run(tmp_path, config(command))
    assert (result.status, result.exit_code, result.blocking) == ("crashed", 139, True)
    assert (
        result.summary
        == "the test run crashed: the command exited with 139 without writing junit.xml"
    )
    assert result.log_tail == "segfault, say"
    assert not (tmp_path / "junit.xml").exists()  # the earlier run's file was never read


def test_a_clean_exit_without_xml_hints_at_the_flag(tmp_path: Path) -> None:
    result = run(tmp_path, config(f"{PY} -c pass"))
    assert result.problem == (
        "the command exited with 0 without writing junit.xml; does it pass --junitxml with that path?"
    )


def test_unreadable_xml_is_a_crash(tmp_path: Path) -> None:
    command = f"{PY} -c \"open('junit.xml', 'w').write('<testsuite><testcase')\""
    result = run(tmp_path, config(command))
    assert result.status == "crashed"
    assert result.problem.startswith("junit.xml: not JUnit XML: ")


def test_a_non_zero_exit_with_all_tests_passing_fails(tmp_path: Path) -> None:
    # e.g. pytest-cov's --cov-fail-under: the tests passed, the command did not.
    command = f'{PY} -c "import sys, subprocess; subprocess.run(sys.argv[1:]); sys.exit(2)" {pytest_command()}'
    result = run(project(tmp_path, PASSING), config(command))
    assert (result.status, result.blocking) == ("failed", True)
    assert result.summary == (
        "the test command failed: the command exited with 2, though every test in junit.xml passed"
    )


def test_a_run_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    result = run(tmp_path, config(f'{PY} -c "import time; time.sleep(60)"', timeout=1))
    assert result.status == "crashed"
    assert result.problem == "still running after 1 s: stopped"
    assert result.duration < 30


def test_python_is_the_one_on_the_users_path_and_sees_the_params_file(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(
        "#!/bin/sh\n"
        'echo "<testsuite><testcase classname=\\"$MODELCI_PROJECT_ROOT\\" name=\\"$MODELCI_PARAMS_FILE\\"/></testsuite>" > junit.xml\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = run(tmp_path, config("python -m pytest"), env=env)
    assert (result.status, result.counts.total) == ("passed", 1)
    # the fake wrote the params file the check read, as an absolute path, into the XML
    xml = (tmp_path / "junit.xml").read_text()
    assert f'classname="{tmp_path.resolve()}" name="{(tmp_path / "params.yaml").resolve()}"' in xml


def test_junit_naming_a_directory_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").mkdir()
    with pytest.raises(ConfigError, match=re.escape("names a directory: junit.xml")):
        run(tmp_path, config(f"{PY} -c pass"))
