"""Plot files: read into PlotData, and any bad file becomes a plot problem, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelci.config import PlotConfig
from modelci.report import render_markdown
from modelci.report.plots import load_plot
from tests.unit.report.reports import sample_report

PR = PlotConfig(path="pr.json", title="PR", x="recall", y="precision")


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_a_deeply_nested_plot_file_is_a_problem_not_a_crash(tmp_path: Path, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    (tmp_path / "pr.json").write_text(opener * 10_000 + closer * 10_000)
    plot = load_plot(tmp_path, PR)
    assert plot.problem == "could not read pr.json: nested too deeply"
    report = sample_report()
    report.plots = [plot]
    assert "_Not drawn: could not read pr.json: nested too deeply._" in render_markdown(report)


def test_invalid_json_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "pr.json").write_text("[{")
    problem = load_plot(tmp_path, PR).problem
    assert problem is not None and problem.startswith("could not read pr.json: not valid JSON (")


def test_the_base_curve_is_read_beside_the_head(tmp_path: Path) -> None:
    rows = [{"recall": 1.0, "precision": 0.2}, {"recall": 0.5, "precision": 0.9}]
    (tmp_path / "pr.json").write_text(json.dumps(rows))
    base = json.dumps([{"recall": 0.0, "precision": 1.0}, {"recall": 1.0, "precision": 0.1}])
    plot = load_plot(tmp_path, PR, base)
    assert plot.points == ((0.5, 0.9), (1.0, 0.2))
    assert plot.base_points == ((0.0, 1.0), (1.0, 0.1))
    # an unreadable base file leaves the head's curve alone
    assert load_plot(tmp_path, PR, "[" * 10_000).base_points == ()
