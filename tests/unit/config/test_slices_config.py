"""`modelci.slices`: its forms, every problem with its line, and its metric names in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelci.config import SliceColumn, load_config
from modelci.config.slices import SLICE_METRICS
from modelci.errors import ConfigError, ExitCode

HEAD = "modelci:\n  predictions: {path: eval/predictions.parquet}\n  slices:\n"


def load(tmp_path: Path, slices: str, head: str = HEAD):  # type: ignore[no-untyped-def]
    path = tmp_path / "params.yaml"
    path.write_text(head + slices)
    return load_config(path)


def problems(tmp_path: Path, slices: str, head: str = HEAD) -> set[tuple[str, int | None, str]]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, slices, head)
    assert caught.value.exit_code == ExitCode.CONFIG
    return {(p.key or "", p.line, p.message) for p in caught.value.problems}


def test_columns_by_name_or_with_bins_and_gates_in_every_slice(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "    data: data/test.parquet\n"
        "    id: transaction_id\n"
        "    columns:\n"
        "      - merchant_category\n"
        "      - {column: amount, bins: [10, 50.5, 200]}\n"
        "      - {column: hour, bins: 4}\n"
        "    metrics: [f1]\n"
        "    gates:\n"
        "      - {metric: recall, threshold: 0.7, max_regression: 0.1, regression: significant}\n",
    )
    slices = config.slices
    assert slices is not None
    assert slices.columns == (
        SliceColumn(column="merchant_category"),
        SliceColumn(column="amount", bins=(10.0, 50.5, 200.0)),
        SliceColumn(column="hour", bins=4),
    )
    assert (slices.min_support, slices.max_slices) == (30, 100)
    assert slices.measured == ("f1", "recall")  # asked for, then what a gate needs
    (gate,) = slices.gates
    assert (gate.metric, gate.threshold, str(gate.max_regression), gate.regression) == (
        "recall",
        0.7,
        "0.1",
        "significant",
    )
    assert gate.line == 12  # where a failure is annotated


def test_every_problem_in_the_section_at_once_with_its_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "    data: data/test.parquet\n"  # 4
        "    columns:\n"  # 5
        "      - {column: amount, bins: [50, 20]}\n"  # 6
        "      - {column: hour, bins: 1}\n"  # 7
        "      - {column: age, bins: [1, .inf]}\n"  # 8
        "      - {column: x, bins: few}\n"  # 9
        "    metrics: [f1, log_loss]\n"  # 10
        "    gates:\n"  # 11
        "      - {metric: lift, threshold: 2}\n",  # 12
    )
    assert found == {
        (
            "modelci.slices.columns[0].bins",
            6,
            "edges must be strictly ascending, got [50, 20]",
        ),
        ("modelci.slices.columns[1].bins", 7, "a count of bins must be 2 to 100, got 1"),
        ("modelci.slices.columns[2].bins", 8, "edges must be finite numbers, got [1, inf]"),
        (
            "modelci.slices.columns[3].bins",
            9,
            "expected a list of edges or a count of bins, got 'few'",
        ),
        (
            "modelci.slices.metrics[1]",
            10,
            "expected `f1`, `precision`, `recall`, `accuracy`, `roc_auc` or "
            "`average_precision`, got 'log_loss'",
        ),
        (
            "modelci.slices.gates[0].metric",
            12,
            "expected `f1`, `precision`, `recall`, `accuracy`, `roc_auc` or "
            "`average_precision`, got 'lift'",
        ),
    }


def test_a_column_twice_and_two_gates_on_one_metric_are_refused(tmp_path: Path) -> None:
    assert problems(
        tmp_path,
        "    data: data/test.parquet\n    columns: [hour, hour]\n",
    ) == {("modelci.slices", 3, "column hour is sliced twice: list each column once")}
    assert problems(
        tmp_path,
        "    data: d.csv\n    columns: [hour]\n    gates:\n"
        "      - {metric: f1, threshold: 0.9}\n      - {metric: f1, max_regression: 0.1}\n",
    ) == {
        (
            "modelci.slices",
            3,
            "two slice gates on f1: one gate can hold a threshold and a max_regression",
        )
    }


def test_slices_need_predictions(tmp_path: Path) -> None:
    assert problems(
        tmp_path, "    data: d.csv\n    columns: [hour]\n", head="modelci:\n  slices:\n"
    ) == {("modelci.slices", 2, "`slices` needs per-row predictions to compute metrics per slice")}


def test_slice_metric_names_are_the_ones_the_statistics_recompute() -> None:
    from modelci.stats import METRICS

    assert set(SLICE_METRICS) == set(METRICS)


def test_no_column_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, "    data: d.csv\n    columns: []\n") == {
        ("modelci.slices", 3, "`columns` is empty: name at least one column to slice on")
    }
