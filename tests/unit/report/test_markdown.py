import json
import math
from pathlib import Path

from modelci.escape import fence
from modelci.report import Report, Verdict, render_markdown, write_reports
from tests.unit.report.reports import HEAD, sample_report, with_intervals


def test_pass_report_has_verdict_gates_params_plots_and_commits() -> None:
    text = render_markdown(sample_report())
    lines = text.splitlines()
    assert lines[0] == "## ✅ Fraud model"
    assert lines[2] == "**Pass: 1 gate held**"
    row = "| <code>f1</code> | 0.93 | 0.95 | +0.02 | ≥ 0.9 and regression ≤ 0.02 | ✅ pass |"
    assert row in lines
    assert "| <code>params.yaml:train.depth</code> | 3 | 5 |" in lines
    assert "train.lr" not in text  # unchanged params are not listed
    assert "xychart-beta" in text
    assert "| **Actual 1** | 3 (37.50%) | 5 (62.50%) |" in lines
    assert lines[-1] == (
        f"Compared: <code>main</code> <code>{'a' * 12}</code> (Baseline) → "
        f"<code>workspace</code> <code>{'b' * 12}</code> (Tune depth)"
    )


def test_gates_and_metrics_show_intervals() -> None:
    lines = render_markdown(with_intervals(sample_report())).splitlines()
    assert (
        "| <code>f1</code> | 0.93 | 0.950 (0.930 to 0.960) | Δ +0.020 (-0.031 to +0.006) "
        "| ≥ 0.9 and regression ≤ 0.02 | ✅ pass |"
    ) in lines
    # no delta interval: the plain change
    assert (
        "| <code>eval/metrics.json:auc</code> | 0.97 | 0.980 (0.975 to 0.985) | +0.01 (+1.0%) |"
        in lines
    )
    assert (
        "_Intervals: 95% bootstrap, 1,000 resamples (paired: base and head resampled on the same rows)._"
        in lines
    )


def test_base_and_head_curves_share_one_chart_on_an_even_grid() -> None:
    text = render_markdown(sample_report())
    chart = text.split("```mermaid\n")[1].split("```")[0].splitlines()
    assert chart[3] == '    x-axis "recall" 0.5 --> 1'  # a numeric axis: a few ticks
    assert chart[4] == '    y-axis "precision" 0 --> 1'
    base, head = (line for line in chart if line.startswith("    line ["))
    assert base.count(",") == head.count(",") == 20  # 21 grid points each
    assert head.startswith("    line [0.99, 0.9605,") and head.endswith(", 0.4]")
    assert base.startswith("    line [0.95,") and base.endswith(", 0.3]")
    assert "Grey: base; blue: head" in text
    assert "bar [" not in text  # the confusion matrix is a table


def test_fail_report_names_the_gate_and_reason() -> None:
    text = render_markdown(sample_report(passed=False))
    assert text.startswith(
        "## ❌ Fraud model\n\n**Fail: 1 of 1 gate failed: f1 = 0.85, required &#62;= 0.9**"
    )
    assert "| ❌ f1 = 0.85, required &#62;= 0.9 |" in text


def test_first_run_says_so() -> None:
    report = sample_report()
    report.base = None
    text = render_markdown(report)
    assert "**Pass: 1 gate held (first run: no base to compare)**" in text
    assert "Compared: no base revision (first run)" in text


def test_a_log_cannot_close_its_fence() -> None:
    fenced = fence("boom ```` still inside")
    assert fenced[0] == "`````text" and fenced[-1] == "`````"


def test_error_report_carries_the_log_tail() -> None:
    report = Report(
        title="T",
        verdict=Verdict.ERROR,
        head=HEAD,
        error="`dvc repro` failed in stage `train`",
        error_log="Traceback\nValueError: bad",
    )
    text = render_markdown(report)
    assert "## ⚠️ T" in text
    assert "<details><summary>Last lines of the log</summary>" in text
    assert "ValueError: bad" in text


def test_write_reports_is_atomic_and_json_is_stable(tmp_path: Path) -> None:
    written = write_reports(sample_report(passed=False), tmp_path / "out")
    data = json.loads(written.json.read_text())
    assert data["schema_version"] == 1
    assert data["intervals"] == []
    assert data["verdict"] == "fail"
    assert data["exit_code"] == 1
    assert data["gates"][0]["reasons"] == ["f1 = 0.85, required >= 0.9"]
    assert [p["key"] for p in data["params"]] == ["train.depth"]
    assert data["base"]["sha"] == "a" * 40
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [".modelci-report", "report.json", "report.md"]  # the pair, switched as one


def test_report_json_keys_are_the_documented_ones(tmp_path: Path) -> None:
    import jsonschema

    root = Path(__file__).resolve().parents[3]
    schema = json.loads((root / "docs/report.schema.json").read_text())
    written = write_reports(sample_report(passed=False), tmp_path)
    data = json.loads(written.json.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert set(data) == set(schema["required"]) == set(schema["properties"])
    readme = (root / "README.md").read_text()
    for key in data:
        assert f"`{key}`" in readme, f"report.json key `{key}` is not documented in the README"


def test_report_json_is_strict_json_when_metrics_are_nan_or_thresholds_infinite(
    tmp_path: Path,
) -> None:
    import jsonschema

    from modelci.metrics import diff_files
    from tests.unit.report.reports import gate_result

    report = with_intervals(sample_report())
    report.metrics = diff_files({"m.json": {"f1": math.nan}}, {"m.json": {"f1": math.inf}})
    report.gates = [gate_result(True, threshold=-math.inf, base=math.nan)]
    written = write_reports(report, tmp_path)
    text = written.json.read_text()
    data = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    json.dumps(written.data, allow_nan=False)
    assert data["gates"][0]["threshold"] is None and data["gates"][0]["base"] is None
    assert {"path": "/gates/0/threshold", "value": "-Infinity"} in data["non_finite"]
    assert {"path": "/metrics/0/base", "value": "NaN"} in data["non_finite"]
    assert {"path": "/metrics/0/head", "value": "Infinity"} in data["non_finite"]
    assert data["intervals"][0] == report.intervals[0].to_dict()
    schema = json.loads(
        (Path(__file__).resolve().parents[3] / "docs/report.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(data)
