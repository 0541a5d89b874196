"""The team's tests in the report: the "Tests" section of report.md and its lines in the text.

The verdict line (passed, failed, no test, crashed; whether it fails the check), the counts, a
table of the failing tests with file, line and message, then each one's full text collapsed.
Every value from the run (names, messages, tracebacks, the log) is untrusted and escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelci.escape import code, fence, plural, printable, text
from modelci.report.truncate import cap_rows

if TYPE_CHECKING:
    from modelci.testsuite import TestFailure, TestsResult

MAX_FAILURES_DETAILED = 20  # failing tests whose full text is shown; all are in report.json
_MAX_TABLE_ROWS = 50
_MAX_TABLE_CHARS = 8_000
_HEADLINES = {
    "passed": "All tests passed",
    "failed": "Tests failed",
    "no-tests": "No test ran",
    "crashed": "The test run crashed",
}


def _role(result: TestsResult) -> str:
    if result.mode == "report-only":
        return "report-only: not part of the verdict"
    return "required: fails the check" if result.blocking else "required"


def _counts(result: TestsResult) -> str:
    c = result.counts
    return (
        f"{plural(c.total, 'test')}: {c.passed} passed, {c.failed} failed, "
        f"{plural(c.errors, 'error')}, {c.skipped} skipped, in {result.duration:.1f} s"
    )


def _where(failure: TestFailure) -> str | None:
    if failure.file is None:
        return None
    return failure.file + (f":{failure.line}" if failure.line else "")


def markdown(result: TestsResult) -> list[str]:
    icon = "✅" if result.status == "passed" else ("❌" if result.blocking else "⚠️")
    lines = [
        "### Tests",
        "",
        f"{icon} **{_HEADLINES[result.status]}** ({_role(result)}): {text(result.summary)}",
        "",
        f"{code(result.command)}; {_counts(result)}.",
    ]
    if result.failures:
        rows = [
            f"| {code(f.name)} | {code(_where(f)) if _where(f) else '_unknown_'} "
            f"| {f.kind} | {text(f.message)} |"
            for f in result.failures
        ]
        lines += [
            "",
            "| Test | Where | Kind | Message |",
            "| --- | --- | --- | --- |",
            *cap_rows(rows, max_rows=_MAX_TABLE_ROWS, max_chars=_MAX_TABLE_CHARS),
        ]
        for failure in result.failures[:MAX_FAILURES_DETAILED]:
            lines += ["", *_details(f"{code(failure.id)}: {text(failure.message)}", failure.text)]
        hidden = len(result.failures) - MAX_FAILURES_DETAILED
        if hidden > 0:
            lines += ["", f"_{plural(hidden, 'more failing test')} in report.json._"]
    elif result.problem and result.status != "crashed":
        lines += ["", text(result.problem) + "."]
    if result.log_tail:
        lines += ["", *_details("Last lines of the test command's output", result.log_tail)]
    return lines


def _details(summary: str, body: str) -> list[str]:
    return ["<details><summary>" + summary + "</summary>", "", *fence(body), "", "</details>"]


def text_lines(result: TestsResult, *, max_failures: int = 10) -> list[str]:
    """The text report's lines: the headline with counts, then a line per failing test."""
    lines = [
        f"{_HEADLINES[result.status]} ({_role(result)}): {printable(result.summary)}",
        f"{printable(result.command)}; {_counts(result)}",
    ]
    for failure in result.failures[:max_failures]:
        line = f" (line {failure.line})" if failure.file and failure.line else ""
        lines.append(f"- {printable(failure.id)}{line}: {printable(failure.message)}")
    if len(result.failures) > max_failures:
        lines.append(f"... {len(result.failures) - max_failures:,} more in report.json")
    if result.log_tail and not result.failures:
        lines += ["Last lines of its output:", *map(printable, result.log_tail.splitlines()[-10:])]
    return lines
