from dataclasses import replace

import pytest

from modelci.config import GateConfig, Tolerance
from modelci.errors import ConfigError, ExitCode
from modelci.metrics import diff_files
from modelci.report.model import Interval, MetricInterval
from modelci.rules import evaluate_gates


def gate(**kwargs: object) -> GateConfig:
    return GateConfig(**{"metric": "f1", **kwargs})  # type: ignore[arg-type]


def run(g: GateConfig, base: dict | None, head: dict):  # type: ignore[no-untyped-def]
    changes = diff_files({"m.json": base} if base is not None else None, {"m.json": head})
    (result,) = evaluate_gates([g], changes)
    return result


def test_threshold_higher_is_better() -> None:
    assert run(gate(threshold=0.9), None, {"f1": 0.9}).passed
    failed = run(gate(threshold=0.9), None, {"f1": 0.85})
    assert not failed.passed
    assert failed.reasons == ("f1 = 0.85, required >= 0.9",)


def test_threshold_lower_is_better() -> None:
    g = gate(metric="loss", threshold=0.3, direction="lower")
    assert run(g, None, {"loss": 0.29}).passed
    assert run(g, None, {"loss": 0.31}).reasons == ("loss = 0.31, required <= 0.3",)


def test_absolute_regression_tolerance_with_float_noise() -> None:
    g = gate(max_regression=Tolerance(0.02))
    assert run(g, {"f1": 0.9}, {"f1": 0.88}).passed  # exactly at the tolerance
    result = run(g, {"f1": 0.9}, {"f1": 0.87})
    assert result.reasons == ("f1 regressed from 0.9 to 0.87 (-0.03); allowed: 0.02",)
    assert result.delta == pytest.approx(-0.03)


def test_relative_regression_and_lower_direction() -> None:
    g = gate(metric="latency", direction="lower", max_regression=Tolerance(10, relative=True))
    assert run(g, {"latency": 100}, {"latency": 110}).passed
    assert run(g, {"latency": 100}, {"latency": 111}).reasons == (
        "latency regressed from 100 to 111 (+11); allowed: 10%",
    )
    assert run(g, {"latency": 100}, {"latency": 50}).passed  # improvement


def test_first_run_skips_regression_but_not_threshold() -> None:
    g = gate(threshold=0.9, max_regression=Tolerance(0))
    result = run(g, None, {"f1": 0.8})
    assert result.reasons == ("f1 = 0.8, required >= 0.9",)
    assert result.notes == ("no base value: regression check skipped",)
    assert run(g, {"other": 1}, {"f1": 0.95}).passed


def test_missing_or_non_numeric_head_fails() -> None:
    result = run(gate(threshold=0.5), {"f1": 0.9}, {"auc": 0.9})
    assert not result.passed
    assert "missing from the head's metrics" in result.reasons[0]
    assert (result.source, result.base, result.head) == ("m.json:f1", 0.9, None)
    assert run(gate(threshold=0.5), None, {"f1": "n/a"}).reasons == (
        "`f1` is not a number on the head ('n/a')",
    )


def test_metric_named_by_file_and_ambiguity() -> None:
    changes = diff_files(None, {"a.json": {"f1": 0.9}, "b.json": {"f1": 0.5}})
    with pytest.raises(ConfigError, match=r"in several metrics files \(a.json, b.json\)"):
        evaluate_gates([gate(threshold=0.8)], changes)
    (result,) = evaluate_gates([gate(metric="b.json:f1", threshold=0.8)], changes)
    assert result.source == "b.json:f1"
    assert not result.passed


def interval(low: float, high: float, source: str = "m.json:f1") -> MetricInterval:
    """A MetricInterval whose change (head - base) lies in [low, high]."""
    return MetricInterval(
        metric=source.split(":")[1],
        source=source,
        head=Interval(0.9, 0.96),
        base=Interval(0.92, 0.98),
        delta=Interval(low, high),
        paired=True,
        resamples=2000,
    )


def significant(**kwargs: object) -> GateConfig:
    return gate(max_regression=Tolerance(0.02), regression="significant", **kwargs)


def run_with(g: GateConfig, base: dict, head: dict, *intervals: MetricInterval):  # type: ignore[no-untyped-def]
    changes = diff_files({"m.json": base}, {"m.json": head})
    (result,) = evaluate_gates([g], changes, intervals)
    return result


def test_significant_drop_within_noise_passes_with_a_note() -> None:
    result = run_with(significant(), {"f1": 0.95}, {"f1": 0.927}, interval(-0.05, 0.004))
    assert result.passed
    assert result.notes == (
        "f1 worsened by 0.023 (0.95 to 0.927), beyond the allowed 0.02, but its 95% interval "
        "(-0.05 to +0.004) includes 0: within noise",
    )
    # the same drop fails a point gate, intervals or not
    point = run_with(
        gate(max_regression=Tolerance(0.02)), {"f1": 0.95}, {"f1": 0.927}, interval(-0.05, 0.004)
    )
    assert point.reasons == ("f1 regressed from 0.95 to 0.927 (-0.023); allowed: 0.02",)


def test_significant_drop_beyond_noise_fails_and_says_so() -> None:
    result = run_with(significant(), {"f1": 0.95}, {"f1": 0.92}, interval(-0.045, -0.012))
    assert not result.passed
    assert result.reasons == (
        "f1 regressed from 0.95 to 0.92 (-0.03); allowed: 0.02; "
        "its 95% interval (-0.045 to -0.012) excludes 0: not noise",
    )


def test_significant_needs_the_point_drop_too() -> None:
    """An interval excluding 0 does not fail a drop within the tolerance: the effect is small."""
    result = run_with(significant(), {"f1": 0.95}, {"f1": 0.94}, interval(-0.015, -0.005))
    assert result.passed
    assert result.notes == ()


def test_significant_lower_is_better_mirrors() -> None:
    # no recomputable metric is lower-is-better today; the rule is mirrored all the same
    g = significant(metric="accuracy", direction="lower")
    worse = {"accuracy": 0.33}
    excluded = interval(0.01, 0.05, "m.json:accuracy")
    assert run_with(g, {"accuracy": 0.3}, worse, excluded).reasons == (
        "accuracy regressed from 0.3 to 0.33 (+0.03); allowed: 0.02; "
        "its 95% interval (+0.01 to +0.05) excludes 0: not noise",
    )
    noisy = run_with(g, {"accuracy": 0.3}, worse, interval(-0.002, 0.05, "m.json:accuracy"))
    assert noisy.passed
    assert "includes 0: within noise" in noisy.notes[0]


def test_significant_without_an_interval_falls_back_to_point() -> None:
    result = run_with(significant(), {"f1": 0.95}, {"f1": 0.92})
    assert result.reasons == ("f1 regressed from 0.95 to 0.92 (-0.03); allowed: 0.02",)
    assert result.notes == (
        "regression: significant, but no interval for this metric (see the report's warnings): "
        "judged on the point values",
    )
    head_only = replace(interval(-0.05, 0.0), base=None, delta=None, paired=None)
    result = run_with(significant(), {"f1": 0.95}, {"f1": 0.92}, head_only)
    assert not result.passed
    assert result.notes[0].startswith("regression: significant, but no interval for the change")


def test_intervals_of_another_metric_do_not_apply() -> None:
    result = run_with(
        significant(), {"f1": 0.95}, {"f1": 0.92}, interval(-0.05, 0.01, "other.json:f1")
    )
    assert not result.passed


def test_two_gates_resolving_to_one_metric_name_both_lines() -> None:
    changes = diff_files(None, {"eval/metrics.json": {"f1": 0.9}})
    gates = [
        gate(threshold=0.8, line=9),
        gate(metric="eval/metrics.json:f1", threshold=0.85, line=12),
    ]
    with pytest.raises(ConfigError) as caught:
        evaluate_gates(gates, changes, file="params.yaml")
    assert caught.value.exit_code == ExitCode.CONFIG
    assert caught.value.message == (
        "params.yaml:12 (key `modelci.gates[1].metric`): gates `f1` (line 9) and "
        "`eval/metrics.json:f1` (line 12) are the same gate twice: both resolve to "
        "`eval/metrics.json:f1`"
    )
    assert caught.value.hint == "merge them: one gate can hold a threshold and a max_regression"


def test_significant_on_a_metric_predictions_cannot_give_is_a_config_error() -> None:
    changes = diff_files(None, {"m.json": {"latency_ms": 40}})
    with pytest.raises(
        ConfigError,
        match=r"`latency_ms` cannot be recomputed from predictions \(only f1, precision",
    ):
        evaluate_gates([significant(metric="latency_ms")], changes)
