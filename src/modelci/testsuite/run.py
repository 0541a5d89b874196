"""Run the team's test command and turn what it left into a result the check can gate on.

The command runs in the project's directory as a child process with the caller's environment:
`python` is whatever the user's PATH finds (the pipeline's interpreter and libraries), never the
interpreter modelci itself runs in. A JUnit file left over from an earlier run is removed first,
so a runner that dies before writing one is reported as such instead of passing on stale results.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from modelci.config.tests import TestsConfig
from modelci.errors import ConfigError
from modelci.escape import plural
from modelci.testsuite.junit import JUnitReadError, TestCounts, TestFailure, read_junit

TestsStatus = Literal["passed", "failed", "no-tests", "crashed"]
LOG_TAIL_LINES = 40
# The params file the check read and the project it checks, for the `modelci.testing` fixtures
# in the child process (the names are the plugin's; it does not import this module).
PARAMS_ENV = "MODELCI_PARAMS_FILE"
ROOT_ENV = "MODELCI_PROJECT_ROOT"
KEY = "modelci.tests.command"


@dataclass(frozen=True)
class TestsResult:
    """What the team's tests did: the status the gate reads, the counts and the failing tests."""

    __test__ = False

    command: str
    junit: str
    mode: str  # required | report-only
    when: str  # before-pipeline | after-pipeline
    status: TestsStatus
    exit_code: int | None
    duration: float
    counts: TestCounts = field(default_factory=TestCounts)
    failures: tuple[TestFailure, ...] = ()
    problem: str | None = None  # why the run is not a plain pass or fail (no tests, crash, ...)
    log_tail: str | None = None  # the command's last output lines when it crashed

    @property
    def blocking(self) -> bool:
        """Whether these results fail the check: only in `required` mode, on anything but a pass."""
        return self.mode == "required" and self.status != "passed"

    @property
    def summary(self) -> str:
        """One line: what happened, in plain text."""
        c = self.counts
        if self.status == "crashed":
            return f"the test run crashed: {self.problem}"
        if self.status == "no-tests":
            return f"no test ran: {self.problem}"
        if self.status == "failed" and not self.failures:
            return f"the test command failed: {self.problem}"
        if self.status == "failed":
            bad = c.failed + c.errors
            names = ", ".join(f.id for f in self.failures[:3])
            more = f" and {len(self.failures) - 3} more" if len(self.failures) > 3 else ""
            return f"{bad} of {plural(c.total, 'test')} failed: {names}{more}"
        skipped = f", {c.skipped} skipped" if c.skipped else ""
        return f"{c.passed} of {plural(c.total, 'test')} passed{skipped}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "junit": self.junit,
            "mode": self.mode,
            "when": self.when,
            "status": self.status,
            "blocking": self.blocking,
            "summary": self.summary,
            "exit_code": self.exit_code,
            "duration": round(self.duration, 3),
            "counts": self.counts.to_dict(),
            "failures": [failure.to_dict() for failure in self.failures],
            "problem": self.problem,
            "log_tail": self.log_tail,
        }


def run_tests(
    config: TestsConfig,
    root: Path,
    *,
    params_file: Path,
    config_file: str,
    env: Mapping[str, str] | None = None,
    on_line: Callable[[str], None] = lambda line: None,
) -> TestsResult:
    """Run `config.command` in `root`; a command that cannot start is a ConfigError (exit 3)."""
    junit = root / config.junit
    if junit.is_dir():
        raise ConfigError(
            f"`modelci.tests.junit` names a directory: {config.junit}",
            file=config_file,
            key="modelci.tests.junit",
            hint="name the XML file the command writes, e.g. `junit: eval/junit.xml`",
        )
    junit.unlink(missing_ok=True)  # never read an earlier run's results
    child_env = dict(os.environ if env is None else env)
    child_env[PARAMS_ENV] = str(params_file.resolve())
    child_env[ROOT_ENV] = str(root.resolve())
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            config.argv,
            cwd=root,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,  # a timeout stops the runner and everything it started
        )
    except FileNotFoundError as error:
        raise ConfigError(
            f"the test command `{config.argv[0]}` was not found on PATH",
            file=config_file,
            key=KEY,
            hint="install the runner in the environment the pipeline uses (e.g. `pip install "
            "pytest`), or write the command as `python -m pytest ...`",
        ) from error
    except PermissionError as error:
        raise ConfigError(
            f"the test command `{config.argv[0]}` cannot be run: {error.strerror}",
            file=config_file,
            key=KEY,
            hint="make it executable (chmod +x) or call it through its interpreter",
        ) from error
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(config.timeout, stop)
    timer.start()
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.rstrip("\n")
            tail.append(line)
            on_line(line)
        exit_code = process.wait()
    finally:
        timer.cancel()
    duration = time.monotonic() - started
    result = _Outcome(config, exit_code, duration, "\n".join(tail))
    if timed_out.is_set():
        return result.crashed(f"still running after {config.timeout} s: stopped")
    if not junit.is_file():
        return result.crashed(
            f"the command exited with {exit_code} without writing {config.junit}"
            + ("" if exit_code else "; does it pass --junitxml with that path?")
        )
    try:
        found = read_junit(junit, root)
    except JUnitReadError as error:
        return result.crashed(f"{config.junit}: {error}")
    return result.judge(found.counts, found.failures)


@dataclass(frozen=True)
class _Outcome:
    config: TestsConfig
    exit_code: int
    duration: float
    log: str

    def _result(self, status: TestsStatus, **fields: Any) -> TestsResult:
        return TestsResult(
            command=self.config.command,
            junit=self.config.junit,
            mode=self.config.mode,
            when=self.config.when,
            status=status,
            exit_code=self.exit_code,
            duration=self.duration,
            **fields,
        )

    def crashed(self, problem: str) -> TestsResult:
        return self._result("crashed", problem=problem, log_tail=self.log or None)

    def judge(self, counts: TestCounts, failures: tuple[TestFailure, ...]) -> TestsResult:
        if failures:
            return self._result("failed", counts=counts, failures=failures)
        if counts.total == 0:
            return self._result(
                "no-tests",
                counts=counts,
                problem=f"{self.config.junit} holds no test case (none was collected)",
                log_tail=self.log or None,
            )
        if self.exit_code != 0:  # e.g. a coverage threshold, or a crash after the report
            return self._result(
                "failed",
                counts=counts,
                problem=f"the command exited with {self.exit_code}, though every test in "
                f"{self.config.junit} passed",
                log_tail=self.log or None,
            )
        return self._result("passed", counts=counts)
