"""Every chart the report emits parses with Mermaid's own parser (what GitHub renders with)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from modelci.config import load_config
from modelci.report import render_markdown
from modelci.report.charts import GRID_POINTS, grid_for, resample
from modelci.report.plots import load_plot
from tests.support.tools import ROOT, require_tool
from tests.unit.report.reports import sample_report
from tests.unit.test_escape import hostile_report

PARSER = ROOT / "tests/support/mermaid_parse.mjs"


def parse_charts(tmp_path: Path, markdown: str) -> subprocess.CompletedProcess[str]:
    node = require_tool("node")
    if not (ROOT / "node_modules/mermaid").is_dir():
        from tests.support.tools import skip_or_fail

        skip_or_fail("the npm package mermaid is not installed (npm ci)")
    path = tmp_path / "report.md"
    path.write_text(markdown, encoding="utf-8")
    return subprocess.run(
        [node, str(PARSER), str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_reference_pipelines_charts_parse(tmp_path: Path) -> None:
    config = load_config(ROOT / "params.yaml")
    base = (ROOT / "eval/plots/pr_curve.json").read_text()  # the same file as the base
    report = sample_report()
    report.plots = [load_plot(ROOT, plot, base) for plot in config.report.plots]
    assert report.plots[0].problem is None and len(report.plots[0].points) > GRID_POINTS
    run = parse_charts(tmp_path, render_markdown(report))
    assert (run.returncode, run.stdout) == (0, f"ok {tmp_path / 'report.md'}#1\n"), run.stderr


def test_hostile_labels_still_parse(tmp_path: Path) -> None:
    run = parse_charts(tmp_path, render_markdown(hostile_report()))
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_parser_reports_a_broken_chart(tmp_path: Path) -> None:
    run = parse_charts(tmp_path, "```mermaid\nxychart-beta\n  x-axis [a b\n```\n")
    assert run.returncode == 1
    assert run.stdout.startswith(f"error {tmp_path / 'report.md'}#1: Parse error on line 2")


def test_curves_are_resampled_onto_an_even_grid() -> None:
    grid = grid_for([(0.0, 1.0), (1.0, 0.0)], [(0.5, 0.5)])
    assert len(grid) == GRID_POINTS and grid[0] == 0.0 and grid[-1] == 1.0
    assert grid[1] - grid[0] == pytest.approx(grid[-1] - grid[-2])
    # repeated x values are averaged; between points, linear
    assert resample([(0.0, 1.0), (0.0, 0.0), (1.0, 1.0)], [0.0, 0.5, 1.0]) == [0.5, 0.75, 1.0]
