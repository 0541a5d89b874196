"""The drift operation on frames: defaults, overrides, verdicts, and data it must refuse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from modelci.drift.config import ColumnSetting, DriftConfig, MethodSetting
from modelci.drift.detect import detect_drift
from modelci.errors import ConfigError, DataError


def frame(rows: int, seed: int, shift: float = 0.0, new_category: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    colors = ["red", "green", "blue"] + (["violet"] if new_category else [])
    p = [0.4, 0.3, 0.2, 0.1] if new_category else [0.5, 0.3, 0.2]
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1.0, rows),
            "y": rng.lognormal(0.0, 1.0, rows),
            "color": rng.choice(colors, rows, p=p),
            "flag": rng.choice([0, 1], rows, p=[0.8, 0.2]),
        }
    )


def by_column(report):  # type: ignore[no-untyped-def]
    return {c.column: c for c in report.columns}


@pytest.mark.parametrize("rows", [500, 5000])
def test_same_distribution_is_no_drift(rows: int) -> None:
    report = detect_drift(frame(rows, 1), frame(rows, 2))
    assert [c.column for c in report.drifted_columns] == []
    assert not report.dataset_drift and not report.drifted


@pytest.mark.parametrize("rows", [500, 5000])
def test_a_shifted_column_drifts(rows: int) -> None:
    report = detect_drift(frame(rows, 1), frame(rows, 2, shift=0.5))
    assert [c.column for c in report.drifted_columns] == ["x"]
    assert report.share == 0.25 and not report.dataset_drift


def test_small_reference_gets_p_value_tests_large_gets_distances() -> None:
    small = by_column(detect_drift(frame(1000, 1), frame(3000, 2)))
    large = by_column(detect_drift(frame(1001, 1), frame(3000, 2)))
    assert {n: c.method for n, c in small.items()} == {
        "x": "ks",
        "y": "ks",
        "color": "chisquare",
        "flag": "z",
    }
    assert {n: c.method for n, c in large.items()} == {
        "x": "wasserstein",
        "y": "wasserstein",
        "color": "jensenshannon",
        "flag": "jensenshannon",
    }


def test_statistics_are_scipys_on_the_values() -> None:
    ref, cur = frame(800, 1), frame(900, 2, shift=0.2)
    x = by_column(detect_drift(ref, cur))["x"]
    assert x.statistic == pytest.approx(ks_2samp(ref["x"], cur["x"]).pvalue)
    assert x.drifted is (x.statistic <= 0.05)
    ref, cur = frame(2000, 1), frame(1500, 2, shift=0.2)
    x = by_column(detect_drift(ref, cur))["x"]
    expected = wasserstein_distance(ref["x"], cur["x"]) / np.std(ref["x"])
    assert x.statistic == pytest.approx(expected)
    assert x.reason == f"Wasserstein distance (normed) {x.statistic:.4g} >= 0.1: drift"


def test_a_category_new_in_the_current_data_drifts_and_is_drawn() -> None:
    color = by_column(detect_drift(frame(500, 1), frame(500, 2, new_category=True)))["color"]
    assert (color.method, color.statistic, color.drifted) == ("chisquare", 0.0, True)
    assert color.histogram is not None
    assert color.histogram.labels == ("red", "green", "blue", "violet")
    assert color.histogram.reference[3] == 0.0 and color.histogram.current[3] > 0.05


def test_dataset_drift_when_the_share_reaches_the_threshold() -> None:
    ref, cur = frame(3000, 1), frame(3000, 2, shift=1.0)
    cur["y"] = cur["y"] * 3
    report = detect_drift(ref, cur)
    assert report.share == 0.5 and report.dataset_drift and report.drifted
    assert not detect_drift(ref, cur, DriftConfig(share=0.75)).dataset_drift


def test_missing_values_are_left_out_of_the_test() -> None:
    ref, cur = frame(3000, 1), frame(3000, 2)
    ref.loc[::10, "x"] = np.nan
    x = by_column(detect_drift(ref, cur))["x"]
    assert (x.reference_rows, x.reference_missing, x.current_missing) == (2700, 300, 0)
    clean = ref["x"].dropna()
    assert x.statistic == pytest.approx(wasserstein_distance(clean, cur["x"]) / np.std(clean))


def test_per_column_and_per_kind_settings() -> None:
    config = DriftConfig(
        numeric=MethodSetting(method="psi", threshold=0.2),
        categorical=MethodSetting(threshold=0.5),
        columns={"y": ColumnSetting(method="ks", threshold=0.01), "flag": ColumnSetting()},
        exclude=("color",),
    )
    report = by_column(detect_drift(frame(3000, 1), frame(3000, 2), config))
    assert {n: (c.method, c.threshold) for n, c in report.items()} == {
        "x": ("psi", 0.2),
        "y": ("ks", 0.01),
        "flag": ("jensenshannon", 0.5),
    }


def test_prediction_drift_compares_the_scores() -> None:
    rng = np.random.default_rng(5)
    report = detect_drift(
        frame(2000, 1),
        frame(2000, 2),
        reference_scores=rng.beta(2, 5, 2000),
        current_scores=rng.beta(2, 3, 2000),
    )
    assert report.prediction is not None
    assert (report.prediction.column, report.prediction.method) == ("prediction", "wasserstein")
    assert report.prediction.drifted and not report.dataset_drift and report.drifted


@pytest.mark.parametrize("rows", [0, 1])
def test_too_few_rows_is_an_error(rows: int) -> None:
    with pytest.raises(DataError) as caught:
        detect_drift(frame(100, 1), frame(100, 2).head(rows), current_label="new.csv")
    assert str(caught.value) == (f"new.csv has {rows} row(s); drift detection needs at least 2")


def test_columns_must_match() -> None:
    cur = frame(100, 2).drop(columns=["y"]).assign(z=1)
    with pytest.raises(DataError) as caught:
        detect_drift(frame(100, 1), cur, current_label="new.csv")
    assert str(caught.value) == (
        "the data sets do not have the same columns: new.csv lacks column(s) y; "
        "new.csv has column(s) the reference lacks: z"
    )
    report = detect_drift(frame(100, 1), cur, DriftConfig(exclude=("y", "z")))
    assert [c.column for c in report.columns] == ["x", "color", "flag"]


def test_settings_naming_unknown_columns_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"names column\(s\) that neither data set has: amout"):
        detect_drift(frame(100, 1), frame(100, 2), DriftConfig(exclude=("amout",)))


def test_a_method_that_cannot_test_the_column_is_a_config_error() -> None:
    config = DriftConfig(columns={"color": ColumnSetting(method="ks")})
    with pytest.raises(ConfigError) as caught:
        detect_drift(frame(100, 1), frame(100, 2), config)
    assert str(caught.value) == (
        "key `modelci.drift.columns.color`: method 'ks' does not test categorical columns, "
        "and `color` is categorical"
    )
