"""Slice gates on the real reference pipeline: a change that hurts one merchant category fails its
slice gate while every headline gate holds; with the base's test data out of reach, the base's
predictions are sliced by the head's test rows, and the report says so."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from .conftest import MiniProject
from .test_reference_pipeline import edit_params, reference, run_check

__all__ = ["reference"]  # the fixture, shared with the reference pipeline's tests

pytestmark = pytest.mark.slow


def slices_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{s['column']} = {s['value']}": s for s in report["slices"]["slices"]}


def test_dropping_one_category_s_fraud_from_training_fails_its_slice_gate_only(
    reference: MiniProject,
) -> None:
    edit_params(reference, "train", drop_fraud_in="grocery")
    # Slices alone: a model trained without grocery's fraud also shifts scores under a cent's
    # change of amount, which the behaviour checks would (rightly) report as well.
    edit_params(reference, "modelci", behaviour=None)
    result = run_check(reference)
    assert result.returncode == 1, result.stderr[-3000:]
    report = reference.report()

    # The headline gates alone would have passed this change.
    gates = {g["metric"]: g for g in report["gates"]}
    assert [g["passed"] for g in gates.values()] == [True, True, True]
    assert gates["f1"]["head"] < gates["f1"]["base"]  # worse, yet within its tolerance

    slices = report["slices"]
    assert (slices["paired"], slices["passed"], slices["min_support"]) == (True, False, 15)
    assert slices["base_data"] == (
        "the head's data/test.parquet: the same file on both sides (dvc.lock)"
    )
    first = slices["slices"][0]
    assert (first["column"], first["value"], first["positives"]) == (
        "merchant_category",
        "grocery",
        20,
    )
    recall = next(m for m in first["metrics"] if m["metric"] == "recall")
    assert (recall["base"], recall["head"]) == (0.9, 0.3)
    assert recall["delta_interval"]["high"] < 0
    (gate,) = first["gates"]
    assert gate["reasons"][0] == "recall = 0.3, required >= 0.7"
    assert gate["reasons"][1].startswith("recall regressed from 0.9 to 0.3 (-0.6); allowed: 0.1")
    assert gate["reasons"][1].endswith("excludes 0: not noise")
    by_name = slices_of(report)
    failed = sorted(name for name, s in by_name.items() if not s["passed"])
    assert failed == ["amount = [50, 200)", "merchant_category = grocery"]  # grocery's band
    assert by_name["merchant_category = electronics"]["passed"] is True
    assert by_name["merchant_category = gas_station"]["small"] is True
    assert by_name["merchant_category = gas_station"]["gates"] == []
    assert report["summary"].startswith(
        "Fail: 2 of 10 slice gates failed: merchant_category = grocery: recall = 0.3, required >= 0.7"
    )

    markdown = (reference.root / "report.md").read_text()
    section = markdown[markdown.index("### Slices") :].split("\n### ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| <code>")]
    assert rows[0].startswith("| <code>merchant&#95;category</code> = grocery | 4,505 | 20 |")
    assert "❌ recall = 0.3, required &#62;= 0.7" in rows[0]
    assert "small: 12 positives (< 15), not gated" in section


def test_without_the_base_s_test_data_the_base_is_sliced_by_the_head_s_rows(
    reference: MiniProject,
) -> None:
    edit_params(reference, "train", drop_fraud_in=None)
    edit_params(reference, "modelci", behaviour=None)
    edit_params(reference, "split", seed=7)  # other test rows: the base's test file differs
    # As in CI: no base outputs at hand (none yet when this test is the first on its worker).
    shutil.rmtree(reference.root / ".dvc" / "cache", ignore_errors=True)
    result = run_check(reference)
    assert result.returncode == 0, result.stderr[-3000:]
    slices = reference.report()["slices"]
    assert slices["paired"] is False
    assert slices["base_data"] == (
        "the head's data/test.parquet, joined on the row id (the base's is not available)"
    )
    (not_available, unmatched) = slices["notes"]
    assert not_available.startswith("the base's data/test.parquet is not available (")
    assert not_available.endswith(
        "the base's predictions are sliced by the head's data/test.parquet, joined on the row "
        "id (a row keeps its id in any split)"
    )
    # Another 20% split shares about a fifth of its rows with the base's: the rest are unsliced.
    assert unmatched.endswith(
        "of the base's 20,000 predicted rows have no row in the test data it is sliced by: "
        "they are in no slice"
    )
    shared = 20_000 - int(unmatched.split(" of ")[0].replace(",", ""))
    assert 3_000 < shared < 5_000
    total = sum(s["base_rows"] for s in slices["slices"] if s["column"] == "merchant_category")
    assert total == shared
