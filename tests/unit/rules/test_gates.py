import pytest

from modelci.config import GateConfig, Tolerance
from modelci.errors import ConfigError
from modelci.metrics import diff_files
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
