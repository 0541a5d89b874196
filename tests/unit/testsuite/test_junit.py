"""Reading JUnit XML: pytest's own output (run for real) and other runners' shapes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modelci.testsuite import JUnitReadError, TestCounts, read_junit

TESTS = """\
import pytest


def helper(x):
    raise ValueError("bad " + str(x))


def test_ok():
    pass


def test_assert():
    assert 1 == 2


def test_helper():
    helper(3)


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass


@pytest.mark.parametrize("v", [1, 2])
def test_param(v):
    assert v == 1


class TestGroup:
    def test_method(self):
        assert False, "in a class"
"""


def run_pytest(root: Path, *extra: str, source: str = TESTS, name: str = "test_sample.py") -> Path:
    (root / "tests").mkdir(parents=True, exist_ok=True)
    (root / "tests" / name).write_text(source)
    command = [sys.executable, "-m", "pytest", "-q", "tests", "--junitxml=out/junit.xml"]
    subprocess.run(
        [*command, "-p", "no:cacheprovider", *extra],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return root / "out" / "junit.xml"


def test_pytest_xunit2_counts_and_locates_each_failure(tmp_path: Path) -> None:
    results = read_junit(run_pytest(tmp_path), tmp_path)

    assert results.counts == TestCounts(total=7, passed=2, failed=4, errors=0, skipped=1)
    found = {f.id: (f.kind, f.message, f.line) for f in results.failures}
    assert found == {
        # the assert's own line; for a helper in the same file, the test's call (line 17)
        "tests/test_sample.py::test_assert": ("failure", "assert 1 == 2", 13),
        "tests/test_sample.py::test_helper": ("failure", "ValueError: bad 3", 17),
        "tests/test_sample.py::test_param[2]": ("failure", "assert 2 == 1", 27),
        "tests/test_sample.py::test_method": ("failure", "AssertionError: in a class", 32),
    }
    helper = next(f for f in results.failures if f.name == "test_helper")
    assert helper.classname == "tests.test_sample"
    assert "E       ValueError: bad 3" in helper.text


def test_pytest_xunit1_uses_the_source_line_not_its_zero_based_attribute(tmp_path: Path) -> None:
    results = read_junit(run_pytest(tmp_path, "-o", "junit_family=xunit1"), tmp_path)

    lines = {f.name: (f.file, f.line) for f in results.failures}
    assert lines["test_assert"] == ("tests/test_sample.py", 13)
    assert lines["test_method"] == ("tests/test_sample.py", 32)


def test_a_collection_error_is_an_error_of_the_module(tmp_path: Path) -> None:
    source = "import not_a_module_anywhere\n"
    results = read_junit(run_pytest(tmp_path, source=source, name="test_broken.py"), tmp_path)

    assert results.counts == TestCounts(total=1, passed=0, failed=0, errors=1, skipped=0)
    [error] = results.failures
    assert error.kind == "error"
    assert error.message == "collection failure"
    assert "ModuleNotFoundError: No module named 'not_a_module_anywhere'" in error.text


def write(tmp_path: Path, xml: str) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(textwrap.dedent(xml))
    return path


def test_nested_suites_with_file_and_line_attributes(tmp_path: Path) -> None:
    # PHPUnit's shape: suites inside suites, 1-based `file` and `line` on each case.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "CartTest.php").write_text("<?php\n" * 30)
    xml = write(
        tmp_path,
        f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites>
          <testsuite name="all" tests="3" failures="1" errors="1">
            <testsuite name="CartTest" file="{tmp_path}/tests/CartTest.php">
              <testcase name="testAdds" class="CartTest" classname="CartTest"
                        file="{tmp_path}/tests/CartTest.php" line="12"/>
              <testcase name="testTotals" class="CartTest" classname="CartTest"
                        file="{tmp_path}/tests/CartTest.php" line="20">
                <failure type="PHPUnit\\Framework\\ExpectationFailedException">Failed asserting that 3 matches expected 4.</failure>
              </testcase>
            </testsuite>
            <testsuite name="Deeper">
              <testsuite name="Deepest">
                <testcase name="testBoom" classname="Boom">
                  <error message="RuntimeException: boom" type="RuntimeException">stack</error>
                </testcase>
              </testsuite>
            </testsuite>
          </testsuite>
        </testsuites>
        """,
    )
    results = read_junit(xml, tmp_path)

    assert results.counts == TestCounts(total=3, passed=1, failed=1, errors=1, skipped=0)
    totals, boom = results.failures
    assert (totals.file, totals.line, totals.kind) == ("tests/CartTest.php", 20, "failure")
    assert totals.message == "Failed asserting that 3 matches expected 4."  # no message: the text
    assert (boom.file, boom.line, boom.kind, boom.message) == (
        None,
        None,
        "error",
        "RuntimeException: boom",
    )
    assert boom.id == "Boom::testBoom"


def test_a_lone_testsuite_root_and_a_stack_trace_location(tmp_path: Path) -> None:
    # Surefire writes one <testsuite> per file; jest-style stacks name `file:line:column`.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "sum.test.js").write_text("\n" * 10)
    xml = write(
        tmp_path,
        """\
        <testsuite name="sum" tests="2">
          <testcase classname="sum adds" name="adds 1 + 2">
            <failure message="expected 3, got 4">Error: expected 3, got 4
            at Object.&lt;anonymous&gt; (src/sum.test.js:7:19)
            at node_modules/jest/run.js:12:3</failure>
          </testcase>
          <testcase classname="sum" name="ok"><skipped/></testcase>
        </testsuite>
        """,
    )
    results = read_junit(xml, tmp_path)

    assert results.counts == TestCounts(total=2, passed=0, failed=1, errors=0, skipped=1)
    [failure] = results.failures
    assert (failure.file, failure.line) == (
        "src/sum.test.js",
        7,
    )  # node_modules/ is not a file here


def test_a_path_outside_the_project_is_never_an_annotation_target(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x\n")
    (tmp_path / "project").mkdir()
    xml = write(
        tmp_path / "project",
        f"""\
        <testsuite><testcase classname="x" name="t">
          <failure message="m">{outside}:1: AssertionError</failure>
        </testcase></testsuite>
        """,
    )
    [failure] = read_junit(xml, tmp_path / "project").failures
    assert (failure.file, failure.line) == (None, None)


def test_long_texts_keep_their_end(tmp_path: Path) -> None:
    body = "x" * 10_000 + "\nE   the real error"
    xml = write(
        tmp_path, f'<testsuite><testcase name="t"><failure>{body}</failure></testcase></testsuite>'
    )
    [failure] = read_junit(xml, tmp_path).failures
    assert len(failure.text) == 4_000
    assert failure.text.startswith("…") and failure.text.endswith("E   the real error")
    assert failure.message == "x" * 499 + "…"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not xml at all", "not JUnit XML: syntax error"),
        ("<report><case/></report>", "not JUnit XML: Invalid format."),
    ],
)
def test_not_junit_xml_says_so(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(content)
    with pytest.raises(JUnitReadError, match="^" + problem):
        read_junit(path, tmp_path)
