import json
from pathlib import Path

from modelci.adapters.git import Revision
from modelci.config import Tolerance
from modelci.metrics import diff_files
from modelci.report import (
    MAX_REPORT_CHARS,
    PlotData,
    Report,
    Verdict,
    render_markdown,
    write_reports,
)
from modelci.report.markdown import escape, fence
from modelci.rules import GateResult

HEAD = Revision(ref="workspace", sha="b" * 40, subject="Tune depth")
BASE = Revision(ref="main", sha="a" * 40, subject="Baseline")


def gate_result(passed: bool, **kwargs: object) -> GateResult:
    values = {
        "metric": "f1",
        "source": "eval/metrics.json:f1",
        "base": 0.93,
        "head": 0.85 if not passed else 0.95,
        "threshold": 0.9,
        "direction": "higher",
        "max_regression": Tolerance(0.02),
        "passed": passed,
        "reasons": () if passed else ("f1 = 0.85, required >= 0.9",),
    }
    values.update(kwargs)
    return GateResult(**values)  # type: ignore[arg-type]


def sample_report(passed: bool = True) -> Report:
    return Report(
        title="Fraud model",
        verdict=Verdict.PASS if passed else Verdict.FAIL,
        head=HEAD,
        base=BASE,
        gates=[gate_result(passed)],
        metrics=diff_files(
            {"eval/metrics.json": {"f1": 0.93, "auc": 0.97}},
            {"eval/metrics.json": {"f1": 0.95, "auc": 0.98}},
        ),
        params=diff_files(
            {"params.yaml": {"train": {"depth": 3, "lr": 0.1}}},
            {"params.yaml": {"train": {"depth": 5, "lr": 0.1}}},
        ),
        plots=[
            PlotData(
                title="PR",
                path="pr.json",
                kind="line",
                x="recall",
                y="precision",
                points=((0.5, 0.99), (1.0, 0.4)),
            ),
            PlotData(
                title="CM",
                path="cm.json",
                kind="confusion",
                matrix={"tn": 90, "fp": 2, "fn": 3, "tp": 5},
            ),
        ],
    )


def test_pass_report_has_verdict_gates_params_plots_and_commits() -> None:
    text = render_markdown(sample_report())
    lines = text.splitlines()
    assert lines[0] == "## ✅ Fraud model"
    assert lines[2] == "**Pass: 1 gate(s) held**"
    assert "| `f1` | 0.93 | 0.95 | +0.02 | ≥ 0.9 and regression ≤ 0.02 | ✅ pass |" in lines
    assert "| `params.yaml:train.depth` | 3 | 5 |" in lines
    assert "train.lr" not in text  # unchanged params are not listed
    assert "xychart-beta" in text and "    line [0.99, 0.4]" in lines
    assert "| **Actual 1** | 3 | 5 |" in lines
    assert (
        lines[-1] == f"Compared: `main` {'a' * 12} (Baseline) → `workspace` {'b' * 12} (Tune depth)"
    )


def test_fail_report_names_the_gate_and_reason() -> None:
    text = render_markdown(sample_report(passed=False))
    assert text.startswith(
        "## ❌ Fraud model\n\n**Fail: 1 of 1 gate(s) failed: f1 = 0.85, required >= 0.9**"
    )
    assert "| ❌ f1 = 0.85, required >= 0.9 |" in text


def test_first_run_says_so() -> None:
    report = sample_report()
    report.base = None
    text = render_markdown(report)
    assert "**Pass: 1 gate(s) held (first run: no base to compare)**" in text
    assert "Compared: no base revision (first run)" in text


def test_untrusted_text_cannot_break_tables_or_inject_html() -> None:
    assert escape("a|b<script>`x`\n") == "a\\|b&lt;script>'x' "
    log = "boom ```` still inside"
    fenced = fence(log)
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


def test_huge_report_is_cut_with_a_note_and_fits() -> None:
    report = sample_report()
    big = {f"k{i}": i for i in range(5000)}
    report.params = diff_files({"params.yaml": {}}, {"params.yaml": big})
    report.warnings = ["w" * 100] * 800  # 80k characters of warnings: must be hard-cut
    text = render_markdown(report)
    assert len(text) <= MAX_REPORT_CHARS
    assert "cut to fit GitHub's 65,536-character limit" in text
    assert text.startswith("## ✅ Fraud model")


def test_details_are_cut_before_the_verdict() -> None:
    report = sample_report()
    report.metrics = diff_files(None, {"m.json": {f"metric_{i}": i for i in range(40)}})
    full = render_markdown(report)
    assert "| `m.json:metric_39` | _absent_ | 39 | new |" in full
    small = render_markdown(report, max_chars=len(full) - 1)
    assert len(small) < len(full)
    assert "to fit GitHub's 65,536-character limit" in small
    assert "| `f1` |" in small


def test_write_reports_is_atomic_and_json_is_stable(tmp_path: Path) -> None:
    written = write_reports(sample_report(passed=False), tmp_path / "out")
    data = json.loads(written.json.read_text())
    assert data["schema_version"] == 1
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
