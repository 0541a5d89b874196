"""Renderings of a DriftReport: escaped markdown with charts for drifted columns, valid JSON."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from modelci.drift.detect import DriftReport, detect_drift
from modelci.drift.render import render_markdown, render_text, report_to_json

SCHEMA = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).resolve().parents[3] / "docs/drift.schema.json").read_text())
)
NASTY = "a|b<script>`x`"


@pytest.fixture(scope="module")
def report() -> DriftReport:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(
        {
            NASTY: rng.normal(0, 1, 3000),
            "steady": rng.normal(0, 1, 3000),
            "kind": rng.choice(["<b>", "plain"], 3000),
        }
    )
    cur = pd.DataFrame(
        {
            NASTY: rng.normal(1, 1, 3000),
            "steady": rng.normal(0, 1, 3000),
            "kind": rng.choice(["<b>", "plain", 'new"|'], 3000),
        }
    )
    return detect_drift(ref, cur, reference_label="ref.csv", current_label="cur.csv")


def test_json_follows_the_published_schema(report: DriftReport) -> None:
    data = report_to_json(report)
    SCHEMA.validate(data)
    assert (data["verdict"], data["exit_code"]) == ("drift", 8)
    assert data["dataset"] == {
        "drift": True,
        "share": 2 / 3,
        "share_threshold": 0.5,
        "drifted_columns": 2,
        "columns": 3,
    }
    steady = data["columns"][1]
    assert (steady["column"], steady["drifted"], steady["histogram"]) == ("steady", False, None)
    histogram = data["columns"][0]["histogram"]
    assert len(histogram["labels"]) == len(histogram["reference"]) == 8  # numeric: 8 bins
    assert sum(histogram["reference"]) == pytest.approx(1, abs=1e-3)


def test_markdown_escapes_names_and_draws_only_drifted_columns(report: DriftReport) -> None:
    text = render_markdown(report)
    assert "<script>" not in text and "<b>" not in text
    assert "| <code>a&#124;b&#60;script&#62;&#96;x&#96;</code> | numeric |" in text
    assert text.count("```mermaid") == 2  # the two drifted columns, not `steady`
    assert 'x-axis ["plain", "_b_", "new__"]' in text
    assert "### <code>steady</code>" not in text


def test_text_lists_every_column_and_the_verdict(report: DriftReport) -> None:
    lines = render_text(report).splitlines()
    assert lines[0] == "cur.csv against ref.csv"
    assert lines[-1] == "Drift: 2 of 3 columns drifted (share 0.67, threshold 0.5)"
    assert [line.split()[0] for line in lines[3:6]] == ["a|b<script>`x`", "steady", "kind"]
