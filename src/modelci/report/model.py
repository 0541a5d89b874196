"""What a check found, as plain data. Renderers read it; nothing here prints or formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from modelci.errors import ExitCode
from modelci.stats.intervals import Interval, MetricInterval

__all__ = ["Baseline", "Interval", "MetricInterval", "PlotData", "Report", "Verdict"]
from modelci.escape import plural

if TYPE_CHECKING:
    from modelci.adapters.dvc import ReproResult
    from modelci.adapters.git import Revision
    from modelci.behaviour import BehaviourResult, CheckResult
    from modelci.metrics import Change
    from modelci.rules import GateResult
    from modelci.slices import SlicesResult
    from modelci.testsuite import TestsResult
    from modelci.validation import ValidationResult


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password); data valid, pipeline ran, every gate held
    FAIL = "fail"  # at least one gate failed
    INVALID_DATA = "invalid-data"  # data failed validation: the pipeline did not run
    ERROR = "error"  # the pipeline failed or its results could not be read

    @property
    def exit_code(self) -> ExitCode:
        return {
            Verdict.PASS: ExitCode.OK,
            Verdict.FAIL: ExitCode.GATE_FAILED,
            Verdict.INVALID_DATA: ExitCode.VALIDATION_FAILED,
            Verdict.ERROR: ExitCode.PIPELINE_FAILED,
        }[self]


@dataclass(frozen=True)
class PlotData:
    title: str
    path: str
    kind: str  # "line" | "confusion"
    x: str | None = None
    y: str | None = None
    points: tuple[tuple[float, float], ...] = ()  # line: (x, y) sorted by x
    base_points: tuple[tuple[float, float], ...] = ()  # the same curve on the base, if any
    matrix: dict[str, int] | None = None  # confusion: tn, fp, fn, tp
    problem: str | None = None  # why the plot could not be drawn

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "path": self.path,
            "kind": self.kind,
            "x": self.x,
            "y": self.y,
            "points": [list(p) for p in self.points],
            "base_points": [list(p) for p in self.base_points],
            "matrix": self.matrix,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Baseline:
    """The registered version a check compared with (`--baseline STAGE`), from its model card."""

    stage: str
    name: str
    version: str
    commit: str

    def to_dict(self) -> dict[str, str]:
        return {
            "stage": self.stage,
            "name": self.name,
            "version": self.version,
            "commit": self.commit,
        }


@dataclass
class Report:
    title: str
    verdict: Verdict
    head: Revision
    base: Revision | None = None
    validation: list[ValidationResult] = field(default_factory=list)
    repro: ReproResult | None = None
    metrics: list[Change] = field(default_factory=list)
    params: list[Change] = field(default_factory=list)
    gates: list[GateResult] = field(default_factory=list)
    plots: list[PlotData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # what stopped the check (pipeline failure)
    error_log: str | None = None  # tail of the failing command's output
    config_changed: bool = False  # the `modelci:` section differs from the base
    intervals: list[MetricInterval] = field(default_factory=list)  # from per-row predictions
    baseline: Baseline | None = None  # the registry version `base` is, with `--baseline`
    tests: TestsResult | None = None  # the team's own tests (`modelci.tests`), when configured
    slices: SlicesResult | None = None  # metrics and gates per slice of the test set
    behaviour: BehaviourResult | None = None  # behaviour checks of the trained model

    @property
    def failed_gates(self) -> list[GateResult]:
        return [gate for gate in self.gates if not gate.passed]

    @property
    def tests_failed(self) -> bool:
        """The team's tests fail the check (`required` mode, and not a clean pass)."""
        return self.tests is not None and self.tests.blocking

    @property
    def slices_failed(self) -> bool:
        return self.slices is not None and bool(self.slices.failed)

    @property
    def checks_failed(self) -> bool:
        """Anything that fails a finished check: a gate, the team's tests, a slice gate, a
        behaviour check."""
        return (
            bool(self.failed_gates)
            or self.tests_failed
            or self.slices_failed
            or bool(self.failed_behaviour)
        )

    @property
    def failed_behaviour(self) -> list[CheckResult]:
        return self.behaviour.failed if self.behaviour else []

    @property
    def invalid_datasets(self) -> list[ValidationResult]:
        return [result for result in self.validation if not result.valid]

    @property
    def summary(self) -> str:
        """The one-line verdict, as plain text."""
        if self.verdict is Verdict.INVALID_DATA:
            failures = sum(len(r.failures) for r in self.invalid_datasets)
            names = ", ".join(r.dataset for r in self.invalid_datasets)
            return (
                f"Invalid data: {plural(failures, 'check')} failed in {names}; "
                "the pipeline did not run"
            )
        if self.verdict is Verdict.ERROR:
            return f"Error: {self.error}"
        slices = f"; {self.slices.summary}" if self.slices else ""
        if self.verdict is Verdict.FAIL:
            failed, parts = self.failed_gates, []
            if failed:
                parts.append(
                    f"{len(failed)} of {plural(len(self.gates), 'gate')} failed: "
                    + "; ".join(gate.reasons[0] for gate in failed)
                )
            if self.tests_failed:
                parts.append(self._tests_summary)
            if self.behaviour and self.failed_behaviour:
                parts.append(self.behaviour.summary)
            if self.slices_failed and self.slices:
                parts.append(self.slices.summary)
            held = [] if failed else [plural(len(self.gates), "gate")]
            if self.behaviour and not self.failed_behaviour:
                held.append(self.behaviour.summary)
            if held:
                parts.append(", ".join(held) + " held")
            if self.slices and not self.slices_failed:
                parts.append(self.slices.summary)
            return "Fail: " + "; ".join(parts)
        passed = plural(len(self.gates), "gate")
        if self.behaviour:
            passed += f", {self.behaviour.summary}"
        return (
            f"Pass: {passed} held"
            + (" (first run: no base to compare)" if self.base is None else "")
            + (f"; {self._tests_summary}" if self.tests else "")
            + slices
        )

    @property
    def _tests_summary(self) -> str:
        tests = self.tests
        if tests is None:
            return ""
        only = " (report-only)" if tests.mode == "report-only" else ""
        return f"team tests{only}: {tests.summary}"
