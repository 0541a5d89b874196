"""Reports built by hand for the renderer tests."""

from __future__ import annotations

from modelci.adapters.dvc import ReproResult
from modelci.adapters.git import Revision
from modelci.config import Tolerance
from modelci.metrics import diff_files
from modelci.report import PlotData, Report, Verdict
from modelci.report.model import Interval, MetricInterval
from modelci.rules import GateResult
from modelci.validation import CheckFailure, FailureSample, ValidationResult

HEAD = Revision(ref="workspace", sha="b" * 40, subject="Tune depth")
BASE = Revision(ref="main", sha="a" * 40, subject="Baseline")


def gate_result(passed: bool, **kwargs: object) -> GateResult:
    values = {
        "metric": "f1",
        "source": "eval/metrics.json:f1",
        "base": 0.93,
        "head": 0.85 if not passed else 0.95,
        "threshold": 0.9,
        "direction": "higher",
        "max_regression": Tolerance(0.02),
        "passed": passed,
        "reasons": () if passed else ("f1 = 0.85, required >= 0.9",),
    }
    values.update(kwargs)
    return GateResult(**values)  # type: ignore[arg-type]


def sample_report(passed: bool = True) -> Report:
    return Report(
        title="Fraud model",
        verdict=Verdict.PASS if passed else Verdict.FAIL,
        head=HEAD,
        base=BASE,
        gates=[gate_result(passed)],
        metrics=diff_files(
            {"eval/metrics.json": {"f1": 0.93, "auc": 0.97}},
            {"eval/metrics.json": {"f1": 0.95, "auc": 0.98}},
        ),
        params=diff_files(
            {"params.yaml": {"train": {"depth": 3, "lr": 0.1}}},
            {"params.yaml": {"train": {"depth": 5, "lr": 0.1}}},
        ),
        plots=[
            PlotData(
                title="PR",
                path="pr.json",
                kind="line",
                x="recall",
                y="precision",
                points=((0.5, 0.99), (1.0, 0.4)),
                base_points=((0.5, 0.95), (0.75, 0.8), (1.0, 0.3)),
            ),
            PlotData(
                title="CM",
                path="cm.json",
                kind="confusion",
                matrix={"tn": 90, "fp": 2, "fn": 3, "tp": 5},
            ),
        ],
    )


def with_intervals(report: Report) -> Report:
    report.intervals = [
        MetricInterval(
            metric="f1",
            source="eval/metrics.json:f1",
            head=Interval(0.93, 0.96),
            base=Interval(0.91, 0.95),
            delta=Interval(-0.031, 0.006),
            paired=True,
            resamples=1000,
        ),
        MetricInterval(
            metric="roc_auc",
            source="eval/metrics.json:auc",
            head=Interval(0.975, 0.985),
            resamples=1000,
        ),
    ]
    return report


def invalid_dataset(name: str, failures: int, samples: int) -> ValidationResult:
    return ValidationResult(
        dataset=name,
        path=f"data/{name}.csv",
        schema="schemas/transactions.yaml",
        rows=20_000,
        failures=tuple(
            CheckFailure(
                column=f"column_{i}",
                check="greater_than_or_equal_to(0)",
                count=500,
                samples=tuple(FailureSample(row=r, value=str(-r)) for r in range(samples)),
            )
            for i in range(failures)
        ),
    )


def oversized_report() -> Report:
    """The issue's case: 42 long metric names, big params, validation and warnings."""
    report = sample_report(passed=False)
    long = "a_rather_long_metric_name_for_a_sliced_evaluation_segment_" * 3
    report.metrics = diff_files(
        {"eval/metrics.json": {f"{long}{i}": 0.5 for i in range(42)}},
        {"eval/metrics.json": {f"{long}{i}": 0.6 for i in range(42)}},
    )
    report.params = diff_files(
        {"params.yaml": {f"param_{i}_{'x' * 80}": i for i in range(400)}},
        {"params.yaml": {f"param_{i}_{'x' * 80}": i + 1 for i in range(400)}},
    )
    report.validation = [invalid_dataset(f"set{i}", failures=30, samples=20) for i in range(3)]
    report.warnings = [f"warning {i}: " + "w" * 200 for i in range(300)]
    report.repro = ReproResult(targets=(), ran=("train", "evaluate"), skipped=("split",))
    return report
