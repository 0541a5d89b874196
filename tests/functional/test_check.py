"""`modelci check` end to end on real git + DVC repositories (see conftest.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from modelci.cli.main import cli

from .conftest import GOOD_ROWS, MiniProject


def check(project: MiniProject, *args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "-C", str(project.root), *args])


def gates(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {g["metric"]: g for g in report["gates"]}  # type: ignore[index,union-attr]


def test_pass_when_the_model_improves(project: MiniProject) -> None:
    project.set_params(quality=0.96)
    project.commit("head: better model")
    result = check(project, "--base", "HEAD~1")
    assert result.exit_code == 0, result.output
    report = project.report()
    assert report["verdict"] == "pass"
    f1 = gates(report)["f1"]
    assert (f1["base"], f1["head"], f1["passed"]) == (0.95, 0.96, True)
    assert report["params"] == [
        {
            "file": "params.yaml",
            "key": "train.quality",
            "base": 0.95,
            "head": 0.96,
            "status": "modified",
            "delta": pytest.approx(0.01),
            "delta_percent": pytest.approx(100 * 0.01 / 0.95),
        }
    ]
    assert report["pipeline"] == {"targets": [], "ran": ["train"], "skipped": []}
    markdown = (project.root / "report.md").read_text()
    assert markdown.startswith("## ✅ Toy model\n\n**Pass: 2 gates held**")
    row = "| <code>f1</code> | 0.95 | 0.96 | +0.01 | ≥ 0.9 and regression ≤ 0.02 | ✅ pass |"
    assert row in markdown
    assert "| <code>params.yaml:train.quality</code> | 0.95 | 0.96 |" in markdown
    assert "xychart-beta" in markdown
    assert "### Data validation" in markdown
    # not a terminal: the report printed on stdout is the markdown report
    assert "## ✅ Toy model" in result.stdout


def test_gate_fails_on_regression_beyond_tolerance(project: MiniProject) -> None:
    project.set_params(quality=0.92)  # above the 0.9 bar, but 0.03 below the base
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 1, result.output
    report = project.report()
    assert report["verdict"] == "fail"
    f1 = gates(report)["f1"]
    assert f1["reasons"] == ["f1 regressed from 0.95 to 0.92 (-0.03); allowed: 0.02"]
    assert gates(report)["roc_auc"]["reasons"] == [
        "roc_auc regressed from 0.98 to 0.95 (-0.03); allowed: 2%"
    ]
    assert "Fail: 2 of 2 gates failed: f1 regressed from 0.95 to 0.92" in result.stderr


def test_gate_fails_on_threshold(project: MiniProject) -> None:
    project.set_modelci(
        {**project.params()["modelci"], "gates": [{"metric": "f1", "threshold": 0.97}]}
    )  # type: ignore[dict-item]
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 1
    assert gates(project.report())["f1"]["reasons"] == ["f1 = 0.95, required >= 0.97"]
    assert project.report()["config_changed"] is True
    assert (
        "This change edits modelci's own configuration" in (project.root / "report.md").read_text()
    )


def test_cached_stages_are_skipped(project: MiniProject) -> None:
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 0, result.output
    assert project.report()["pipeline"] == {"targets": [], "ran": [], "skipped": ["train"]}
    assert "Stage 'train' didn't change, skipping" in result.stderr


def test_first_run_without_base_checks_thresholds_only(fresh_project: MiniProject) -> None:
    result = check(fresh_project)
    assert result.exit_code == 0, result.output
    report = fresh_project.report()
    assert report["base"] is None
    f1 = gates(report)["f1"]
    assert (f1["base"], f1["head"], f1["passed"]) == (None, 0.95, True)
    assert f1["notes"] == ["no base value: regression check skipped"]
    assert "first run: no base to compare" in (fresh_project.root / "report.md").read_text()

    fresh_project.set_params(quality=0.5)
    assert check(fresh_project).exit_code == 1  # the absolute threshold still applies


def test_bad_data_is_reported_in_full_and_stops_before_training(project: MiniProject) -> None:
    rows = [dict(r) for r in GOOD_ROWS]
    rows[3]["x"] = None  # null
    rows[5]["x"] = 1.7  # out of range
    rows[7]["color"] = "purple"  # unknown category
    rows[9]["count"] = "many"  # wrong dtype
    project.write_rows(rows, columns=["x", "count", "color"])  # `label` column missing
    project.set_params(quality=0.99)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 4, result.output
    report = project.report()
    assert report["verdict"] == "invalid-data"
    assert report["pipeline"] is None  # nothing trained on bad data
    assert json.loads((project.root / "eval/metrics.json").read_text())["f1"] == 0.95
    (dataset,) = report["validation"]  # type: ignore[misc]
    failures = {(f["column"], f["check"]): f for f in dataset["failures"]}
    rows_of = {key: [s["row"] for s in f["samples"]] for key, f in failures.items()}
    assert rows_of[("x", "not_nullable")] == [3]
    assert rows_of[("x", "less_than_or_equal_to(1)")] == [5]
    assert rows_of[("color", "isin(['red', 'green', 'blue'])")] == [7]
    assert any(column == "count" and 9 in rows for (column, _), rows in rows_of.items())
    assert any(column == "label" for column, _ in failures)
    markdown = (project.root / "report.md").read_text()
    assert markdown.startswith("## ❌ Toy model\n\n**Invalid data:")
    assert "purple" in markdown and "<details>" in markdown


def test_configuration_error_exits_3_and_names_the_key(project: MiniProject) -> None:
    text = (project.root / "params.yaml").read_text().replace("threshold: 0.9", "threshhold: 0.9")
    project.write("params.yaml", text)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 3
    assert "params.yaml:11 (key `modelci.gates[0].threshhold`): unknown key" in result.stderr
    assert (
        "Hint: allowed keys here: direction, max_regression, metric, regression, threshold"
        in result.stderr
    )
    assert not (project.root / "report.json").exists()


def test_metrics_file_missing_on_the_head_fails_the_gates(project: MiniProject) -> None:
    # A refactor drops the metrics declaration: DVC finds no metrics file on the head.
    dvc_yaml = (project.root / "dvc.yaml").read_text()
    project.write("dvc.yaml", dvc_yaml.replace("metrics:", "outs:"))
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 1, result.output
    report = project.report()
    assert gates(report)["f1"]["reasons"] == [
        "`f1` is missing from the head's metrics: did the evaluation stage write it?"
    ]
    assert gates(report)["f1"]["base"] == 0.95


def test_metrics_file_missing_on_the_base_skips_regression_only(project: MiniProject) -> None:
    dvc_yaml = (project.root / "dvc.yaml").read_text()
    project.write("dvc.yaml", dvc_yaml.replace("metrics:", "outs:"))
    project.repro()
    project.commit("base without declared metrics")
    project.write("dvc.yaml", dvc_yaml)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 0, result.output
    f1 = gates(project.report())["f1"]
    assert (f1["base"], f1["head"], f1["passed"]) == (None, 0.95, True)
    assert f1["notes"] == ["no base value: regression check skipped"]


def test_pipeline_failure_exits_5_with_the_log(project: MiniProject) -> None:
    project.set_params(crash=True)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 5, result.output
    report = project.report()
    assert report["verdict"] == "error"
    assert report["error"].startswith("`dvc repro` failed in stage `train`")  # type: ignore[union-attr]
    assert "training crashed: out of memory (simulated)" in (project.root / "report.md").read_text()


def test_unknown_base_revision_is_a_usage_error(project: MiniProject) -> None:
    result = check(project, "--base", "no-such-branch")
    assert result.exit_code == 2
    assert "base revision `no-such-branch` not found" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_as_a_subprocess_with_json_output(project: MiniProject) -> None:
    project.set_params(quality=0.5)
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelci",
            "check",
            "--base",
            "HEAD",
            "--format",
            "json",
            "--output-dir",
            "out",
        ],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 1, process.stderr
    printed = json.loads(process.stdout)
    assert printed["verdict"] == "fail"
    assert printed == json.loads((project.root / "out/report.json").read_text())
    assert "==> Reproducing the pipeline (dvc repro)" in process.stderr


def test_invalid_data_report_still_lists_the_params_that_changed(project: MiniProject) -> None:
    rows = [dict(r) for r in GOOD_ROWS]
    rows[2]["color"] = "purple"
    project.write_rows(rows)
    project.set_params(depth=7)
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 4
    assert [(p["key"], p["base"], p["head"]) for p in project.report()["params"]] == [
        ("train.depth", 3, 7)
    ]
    assert (
        "| <code>params.yaml:train.depth</code> | 3 | 7 |"
        in (project.root / "report.md").read_text()
    )


def test_several_metrics_files_nested_keys_and_file_qualified_gates(project: MiniProject) -> None:
    project.write(
        "extra.py",
        "import json, pathlib\n"
        "pathlib.Path('eval').mkdir(exist_ok=True)\n"
        "json.dump({'latency': {'p95_ms': 42.5}, 'f1': 0.5, 'backend': 'cpu'}, open('eval/extra.json', 'w'))\n",
    )
    dvc_yaml = (project.root / "dvc.yaml").read_text() + (
        "  extra:\n"
        "    cmd: python extra.py\n"
        "    deps: [extra.py]\n"
        "    metrics:\n"
        "      - eval/extra.json:\n"
        "          cache: false\n"
    )
    project.write("dvc.yaml", dvc_yaml)
    section = project.params()["modelci"]
    section["gates"] = [  # type: ignore[index]
        {"metric": "eval/metrics.json:f1", "threshold": 0.9},
        {"metric": "latency.p95_ms", "direction": "lower", "threshold": 40},
    ]
    project.set_modelci(section)  # type: ignore[arg-type]
    result = check(project, "--base", "HEAD")
    assert result.exit_code == 1, result.output
    report = project.report()
    by_metric = gates(report)
    assert by_metric["eval/metrics.json:f1"]["passed"] is True
    assert by_metric["latency.p95_ms"]["source"] == "eval/extra.json:latency.p95_ms"
    assert by_metric["latency.p95_ms"]["reasons"] == ["latency.p95_ms = 42.5, required <= 40"]
    metrics = {(m["file"], m["key"]): m for m in report["metrics"]}  # type: ignore[union-attr]
    assert metrics[("eval/extra.json", "backend")]["status"] == "added"
    assert metrics[("eval/extra.json", "backend")]["head"] == "cpu"
    assert metrics[("eval/metrics.json", "details.model")]["status"] == "unchanged"

    # a bare `f1` is now in two files: a configuration error naming both
    section["gates"] = [{"metric": "f1", "threshold": 0.9}]  # type: ignore[index]
    project.set_modelci(section)  # type: ignore[arg-type]
    ambiguous = check(project, "--base", "HEAD")
    assert ambiguous.exit_code == 3
    assert (
        "gate metric `f1` is in several metrics files (eval/extra.json, eval/metrics.json)"
        in ambiguous.stderr
    )
    assert "Hint: name it with its file, e.g. `eval/extra.json:f1`" in ambiguous.stderr


def test_inside_github_actions_summary_outputs_annotations_and_groups(
    project: MiniProject, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    rows = [dict(r) for r in GOOD_ROWS]
    rows[4]["color"] = "purple"
    project.write_rows(rows)
    result = check(project, "--base", "HEAD", "--format", "none")
    assert result.exit_code == 4
    lines = result.stdout.splitlines()
    assert "::group::Validating points (data/points.csv) against schemas/points.yaml" in lines
    assert (
        lines.count("::group::Validating points (data/points.csv) against schemas/points.yaml") == 1
    )
    assert lines.count("::endgroup::") == sum(1 for line in lines if line.startswith("::group::"))
    [annotation] = [line for line in lines if line.startswith("::error")]
    assert annotation.startswith(
        "::error file=data/points.csv,line=6,title=Invalid data in points::color · isin("
    )
    assert summary.read_text() == (project.root / "report.md").read_text() + "\n"
    text = outputs.read_text()
    assert "verdict<<" in text and "\ninvalid-data\n" in text
    assert "\n4\n" in text  # exit-code

    # A gate failure is annotated on the gate's line in params.yaml.
    project.write_rows(GOOD_ROWS)
    project.set_params(quality=0.5)
    result = check(project, "--base", "HEAD", "--format", "none")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert (
        errors[0]
        == "::error file=params.yaml,line=10,title=Gate failed%3A f1::f1 = 0.5, required >= 0.9; f1 regressed from 0.95 to 0.5 (-0.45); allowed: 0.02"
    )


def test_a_second_check_in_the_same_workspace_is_refused(project: MiniProject) -> None:
    lock = project.root / ".dvc/tmp/modelci/check.lock"
    hold = (
        "import sys, time; from pathlib import Path; from modelci.files import exclusive_lock\n"
        "with exclusive_lock(Path(sys.argv[1]), purpose='a modelci check'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold, str(lock)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        result = check(project, "--no-repro")
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"Error: a modelci check is already running here (process {holder.pid}; lock file {lock})\n"
    )
    assert not (project.root / "report.json").exists()
    assert check(project, "--no-repro").exit_code == 0  # the dead holder does not block


def test_concurrent_checks_leave_one_consistent_report_pair(project: MiniProject) -> None:
    command = [sys.executable, "-m", "modelci", "check", "--no-repro", "--format", "none"]
    runs = [
        subprocess.Popen(
            [*command, "--base", "HEAD"] if i % 2 else command,
            cwd=project.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    codes = [run.wait(timeout=120) for run in runs]
    errors = [run.stderr.read() for run in runs if run.stderr]
    assert set(codes) <= {0, 2} and 0 in codes, errors
    assert all("already running here" in e for e, c in zip(errors, codes, strict=True) if c == 2)
    data = project.report()
    markdown = (project.root / "report.md").read_text()
    # The pair comes from one run: with a base the markdown names its commit, without one it
    # says it is a first run.
    assert ("first run: no base to compare" in markdown) == (data["base"] is None)


def _on_a_terminal(project: MiniProject, env: dict[str, str]) -> tuple[int, str]:
    """Run `modelci check` with its stdout on a pseudo-terminal; (exit code, what it printed)."""
    import os
    import pty

    from .conftest import _env

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "modelci", "check", "--base", "HEAD"],
        cwd=project.root,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env={**_env(), **env},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=300), b"".join(chunks).decode().replace("\r\n", "\n")


def test_a_terminal_gets_the_text_report_in_colour_unless_no_color(project: MiniProject) -> None:
    code, out = _on_a_terminal(project, {"NO_COLOR": ""})
    assert code == 0
    assert "\x1b[32m" in out  # green verdict
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert plain.startswith("✓ Toy model: Pass: 2 gates held\n")
    assert "<code>" not in plain and "&#" not in plain and "<details>" not in plain

    code, out = _on_a_terminal(project, {"NO_COLOR": "1"})
    assert code == 0
    # colorama (through DVC) resets the terminal at exit: that reset is all there may be
    assert "\x1b[" not in out.removesuffix("\x1b[0m")
    assert out.startswith("✓ Toy model: Pass: 2 gates held\n")


def test_format_text_aligns_columns_and_markdown_is_kept(project: MiniProject) -> None:
    project.set_params(quality=0.96)
    result = check(project, "--base", "HEAD", "--format", "text")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = lines.index("Gates") + 1
    assert lines[header].split() == ["metric", "base", "head", "change", "rule", "result"]
    rows = lines[header + 1 : header + 3]
    assert [row.split()[0] for row in rows] == ["f1", "roc_auc"]
    for column in ("base", "head", "change"):  # numbers right-aligned under their header
        end = lines[header].index(column) + len(column)
        assert all(row[end - 1].isdigit() and row[end] == " " for row in rows), column
    assert lines[header].index("rule") == rows[0].index(">= 0.9")
    assert "\x1b[" not in result.stdout and "&#" not in result.stdout
    markdown = check(project, "--base", "HEAD", "--format", "markdown")
    assert markdown.stdout.startswith("## ✅ Toy model")
