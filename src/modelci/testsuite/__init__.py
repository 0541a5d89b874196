"""The team's own tests inside the check: run their command, read the JUnit XML it writes.

run_tests(config, root, ...)   run `modelci.tests.command`, return a TestsResult
read_junit(path, root)         counts and failing tests (with file and line) of a JUnit file
"""

from modelci.testsuite.junit import (
    JUnitReadError,
    JUnitResults,
    TestCounts,
    TestFailure,
    read_junit,
)
from modelci.testsuite.run import TestsResult, TestsStatus, run_tests

__all__ = [
    "JUnitReadError",
    "JUnitResults",
    "TestCounts",
    "TestFailure",
    "TestsResult",
    "TestsStatus",
    "read_junit",
    "run_tests",
]
