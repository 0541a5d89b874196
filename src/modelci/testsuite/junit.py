"""Read a JUnit XML file: counts, and each failing test with its message and where it failed.

Parsing is junitparser's: it reads a `<testsuites>` or a lone `<testsuite>` root and flattens
nested suites (PHPUnit, Mocha and others nest them). What JUnit has no field for, the source
line, is found here: a runner's own `file`/`line` attributes when it writes them (xunit1, PHPUnit,
jest-junit) or its classname (pytest's `pkg.module.Class`) give the file; the line is the first
traceback entry in that file (pytest's default xunit2 format has no location attribute, but its
failure text names `path.py:LINE:` for every frame), else the test function's `def` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from junitparser import Attr, JUnitXml, JUnitXmlError, TestCase, TestSuite
from junitparser import Error as JUnitErrorResult
from junitparser import Failure as JUnitFailure
from junitparser import Skipped as JUnitSkipped

MAX_TEXT_CHARS = 4_000  # a failure's text (traceback) kept per test: its end, where the error is
MAX_MESSAGE_CHARS = 500

# `path.ext:LINE` (pytest, jest, go) or `File "path.ext", line LINE` (Python's own tracebacks).
_LOCATION = re.compile(r"(?P<path>[^\s\"'():,]+\.[A-Za-z0-9]{1,6})(?:\", line |:)(?P<line>\d+)")

FailureKind = Literal["failure", "error"]


class JUnitReadError(Exception):
    """The file is not JUnit XML (or not XML at all); the message says why."""


class _Case(TestCase):
    """A testcase with the location attributes some runners add."""

    file = Attr()
    line = Attr()


class _Suite(TestSuite):
    testcase = _Case


class _Xml(JUnitXml):
    testsuite = _Suite


@dataclass(frozen=True)
class TestCounts:
    __test__ = False

    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class TestFailure:
    """One test that failed (an assertion) or errored (an exception, a collection error)."""

    __test__ = False

    name: str
    classname: str
    kind: FailureKind
    message: str
    text: str
    file: str | None = None  # relative to the project root
    line: int | None = None

    @property
    def id(self) -> str:
        """`file::name` when the file is known, else `classname::name` (a reviewer's handle)."""
        where = self.file or self.classname
        return f"{where}::{self.name}" if where else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "classname": self.classname,
            "kind": self.kind,
            "message": self.message,
            "text": self.text,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class JUnitResults:
    counts: TestCounts
    failures: tuple[TestFailure, ...]


def _where(error: SyntaxError) -> str:
    """` at line L, column C`: junitparser parses with lxml when it is installed, else with
    ElementTree, and they word their errors differently; the place is what both know."""
    line, column = getattr(error, "position", None) or (error.lineno, error.offset)
    return f" at line {line}, column {column}" if line else ""


def read_junit(path: Path, root: Path) -> JUnitResults:
    """Counts and failures in the JUnit XML at `path`; file paths relative to `root`."""
    try:
        xml = _Xml.fromfile(str(path))
    except SyntaxError as error:  # ElementTree's ParseError, or lxml's when lxml is installed
        raise JUnitReadError(f"not JUnit XML: syntax error{_where(error)}") from error
    except JUnitXmlError as error:
        raise JUnitReadError(f"not JUnit XML: {error}") from error
    except OSError as error:
        raise JUnitReadError(f"cannot read it: {error.strerror or error}") from error
    # _Suite.testcase is _Case, so every case is one; junitparser's hints say TestCase.
    cases = [cast(_Case, case) for suite in xml for case in suite]
    failures: list[TestFailure] = []
    failed = errors = skipped = 0
    for case in cases:
        results = case.result
        failure = next((r for r in results if isinstance(r, JUnitFailure)), None)
        errored = next((r for r in results if isinstance(r, JUnitErrorResult)), None)
        if failure is not None or errored is not None:
            kind: FailureKind = "failure" if failure is not None else "error"
            failed += kind == "failure"
            errors += kind == "error"
            failures.append(_failure(case, failure or errored, kind, root))
        elif any(isinstance(r, JUnitSkipped) for r in results):
            skipped += 1
    counts = TestCounts(
        total=len(cases),
        passed=len(cases) - failed - errors - skipped,
        failed=failed,
        errors=errors,
        skipped=skipped,
    )
    return JUnitResults(counts, tuple(failures))


def _failure(case: _Case, result: Any, kind: FailureKind, root: Path) -> TestFailure:
    text = (result.text or "").strip()
    message = (result.message or "").strip() or (text.splitlines()[0] if text else "")
    name = case.name or ""
    classname = case.classname or ""
    file, line = _location(case, text, root)
    return TestFailure(
        name=name,
        classname=classname,
        kind=kind,
        message=_cap(message.splitlines()[0] if message else kind, MAX_MESSAGE_CHARS, head=True),
        text=_cap(text, MAX_TEXT_CHARS, head=False),
        file=file,
        line=line,
    )


def _location(case: _Case, text: str, root: Path) -> tuple[str | None, int | None]:
    declared = _in_project(case.file, root) if case.file else None
    own_file = declared or _file_of_classname(case.classname or "", root)
    frames = [
        (found, int(match.group("line")))
        for match in _LOCATION.finditer(text)
        if (found := _in_project(match.group("path"), root))
    ]
    # The test's own frame: the first in its file (a traceback starts at the test; a helper it
    # calls in the same file comes later).
    in_own = [frame for frame in frames if frame[0] == own_file]
    if in_own:
        return in_own[0]
    if own_file:
        # The `def` line, before a declared `line`: pytest's xunit1 counts lines from 0, PHPUnit
        # from 1, and the source says which line it is.
        line = _def_line(root / own_file, case.name or "")
        if line is None and case.line and str(case.line).isdigit():
            line = int(case.line)
        return own_file, line
    if frames:
        return frames[0]
    return None, None


def _in_project(path: str, root: Path) -> str | None:
    """`path` as a project-relative POSIX path when it names a file in the project."""
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else root / candidate
    try:
        relative = absolute.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return relative.as_posix() if (root / relative).is_file() else None


def _file_of_classname(classname: str, root: Path) -> str | None:
    """pytest's classname is the module path with dots (`scripts.tests.test_split.TestSplit`):
    the longest prefix that is a .py file in the project is the test's file."""
    parts = [part for part in classname.split(".") if part]
    for end in range(len(parts), 0, -1):
        relative = "/".join(parts[:end]) + ".py"
        if (root / relative).is_file():
            return relative
    return None


def _def_line(path: Path, name: str) -> int | None:
    function = re.escape(name.split("[", 1)[0])  # a parametrised id: test_x[case-1]
    if not function:
        return None
    pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{function}\s*\(")
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.match(line):
                return number
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _cap(text: str, limit: int, *, head: bool) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if head else "…" + text[-(limit - 1) :]
