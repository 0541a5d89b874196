"""`modelci drift` through click's CliRunner: exit codes, outputs, and refusals."""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

from modelci.cli.main import cli
from modelci.errors import ExitCode

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

from generate import generate_transactions  # noqa: E402

SCHEMA = jsonschema.Draft202012Validator(json.loads((ROOT / "docs/drift.schema.json").read_text()))
FEATURES = ["amount", "hour", "velocity_1h", "distance_from_home_km"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    generate_transactions(4000, seed=1).to_csv(tmp_path / "ref.csv", index=False)
    generate_transactions(4000, seed=2).to_parquet(tmp_path / "same.parquet")
    generate_transactions(4000, seed=3, drift=1.0).to_csv(tmp_path / "drifted.csv", index=False)
    (tmp_path / "params.yaml").write_text(
        "modelci:\n  drift:\n    exclude: [transaction_id, is_fraud]\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["drift", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_no_drift_exits_0(project: Path) -> None:
    code, out, _ = _invoke("--current", "same.parquet", "--reference", "ref.csv")
    assert code == ExitCode.OK == 0
    assert (
        out.splitlines()[-1]
        == "No dataset drift: 0 of 8 columns drifted (share 0.00, threshold 0.5)"
    )


def test_drift_exits_8_and_writes_json_and_markdown(project: Path) -> None:
    code, out, _ = _invoke(
        "--current", "drifted.csv", "--reference", "ref.csv",
        "--output", "out/drift.json", "--markdown", "out/drift.md", "--format", "json",
    )  # fmt: skip
    assert code == ExitCode.DRIFT_DETECTED == 8
    data = json.loads((project / "out/drift.json").read_text())
    SCHEMA.validate(data)
    assert json.loads(out) == data
    assert sorted(c["column"] for c in data["columns"] if c["drifted"]) == [
        "amount", "distance_from_home_km", "hour", "is_online", "velocity_1h",
    ]  # fmt: skip
    assert (project / "out/drift.md").read_text().count("```mermaid") == 5


def test_no_reference_is_a_usage_error(project: Path) -> None:
    code, _, err = _invoke("--current", "same.parquet")
    assert code == ExitCode.USAGE == 2
    assert err.startswith("Error: no reference data: give --reference PATH, or --reference-rev")


def test_bad_settings_exit_3(project: Path) -> None:
    (project / "params.yaml").write_text("modelci:\n  drift:\n    share: 2\n")
    code, _, err = _invoke("--current", "same.parquet", "--reference", "ref.csv")
    assert code == ExitCode.CONFIG == 3
    assert err.startswith("Error: params.yaml:3 (key `modelci.drift.share`): must be <= 1.0, got 2")


def test_unreadable_current_data_exits_4(project: Path) -> None:
    (project / "broken.parquet").write_bytes(b"not parquet at all")
    code, _, err = _invoke("--current", "broken.parquet", "--reference", "ref.csv")
    assert code == ExitCode.VALIDATION_FAILED == 4
    assert err.startswith("Error: cannot read broken.parquet: ")
    code, _, err = _invoke("--current", "missing.csv", "--reference", "ref.csv")
    assert (code, err.splitlines()[0]) == (4, "Error: data file not found: missing.csv")


def test_an_unsupported_file_type_exits_4(project: Path) -> None:
    (project / "data.txt").write_text("a,b\n1,2\n")
    code, _, err = _invoke("--current", "data.txt", "--reference", "ref.csv")
    assert (code, err.splitlines()[0]) == (4, "Error: unsupported data file type: data.txt")


def test_data_that_breaks_its_schema_exits_4_naming_the_failures(project: Path) -> None:
    generate_transactions(4000, seed=2, inject_errors=2).to_csv(project / "bad.csv", index=False)
    schema = str(ROOT / "schemas/transactions.yaml")
    code, _, err = _invoke("--current", "bad.csv", "--reference", "ref.csv", "--schema", schema)
    assert code == 4
    first = err.splitlines()[0]
    assert first.startswith(f"Error: bad.csv fails its schema {schema}: ")
    assert "`amount` not_nullable: 2 row(s)" in first
    assert "`merchant_category` isin" in first


def test_the_schema_of_the_modelci_data_entry_applies_by_default(project: Path) -> None:
    generate_transactions(4000, seed=2, inject_errors=1).to_csv(project / "bad.csv", index=False)
    schema = ROOT / "schemas/transactions.yaml"
    (project / "params.yaml").write_text(
        f"modelci:\n  data:\n    - {{name: t, path: bad.csv, schema: {schema}}}\n"
    )
    code, _, err = _invoke("--current", "./bad.csv", "--reference", "ref.csv")
    assert code == 4
    assert err.startswith(f"Error: ./bad.csv fails its schema {schema}: ")


def test_text_in_a_numeric_column_without_a_schema_exits_4(project: Path) -> None:
    generate_transactions(4000, seed=2, inject_errors=2).to_csv(project / "bad.csv", index=False)
    code, _, err = _invoke("--current", "bad.csv", "--reference", "ref.csv")
    assert code == 4
    assert err.splitlines()[0] == (
        "Error: column `card_age_days` is numeric in ref.csv but not in bad.csv "
        "(values such as 'unknown')"
    )


def _model(project: Path) -> Path:
    train = generate_transactions(4000, seed=9)
    model = LogisticRegression(max_iter=500).fit(train[FEATURES], train["is_fraud"])
    blob = pickle.dumps(model)
    (project / "model.pkl").write_bytes(blob)
    meta = {"sha256": hashlib.sha256(blob).hexdigest(), "features": FEATURES}
    (project / "model.json").write_text(json.dumps(meta))
    return project / "model.pkl"


def test_prediction_drift_from_a_verified_model(project: Path) -> None:
    model = _model(project)
    code, out, _ = _invoke(
        "--current", "same.parquet", "--reference", "ref.csv", "--model", str(model),
        "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    SCHEMA.validate(data)
    assert (code, data["prediction"]["column"], data["prediction"]["drifted"]) == (
        0,
        "prediction",
        False,
    )
    code, out, _ = _invoke(
        "--current", "drifted.csv", "--reference", "ref.csv", "--model", str(model),
        "--format", "json",
    )  # fmt: skip
    assert (code, json.loads(out)["prediction"]["drifted"]) == (8, True)


def test_a_model_whose_hash_differs_is_never_unpickled(project: Path) -> None:
    model = _model(project)
    # A pickle that would run code when loaded: it must be refused on its hash first.
    model.write_bytes(pickle.dumps(_Boom()))
    actual = hashlib.sha256(model.read_bytes()).hexdigest()
    expected = json.loads((project / "model.json").read_text())["sha256"]
    code, _, err = _invoke(
        "--current", "same.parquet", "--reference", "ref.csv", "--model", str(model)
    )
    assert code == ExitCode.MODEL_REFUSED == 7
    assert err.splitlines()[0] == (
        f"Error: {model}: SHA-256 is {actual}, but training recorded {expected}: the file was "
        "changed or replaced since, so it is not loaded"
    )
    assert not (project / "boom").exists()


class _Boom:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path("boom").write_text, ("unpickled",))


def test_score_files(project: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"score": rng.beta(2, 5, 3000)}).to_csv(project / "ref_scores.csv", index=False)
    pd.DataFrame({"score": rng.beta(5, 2, 3000)}).to_csv(project / "cur_scores.csv", index=False)
    code, out, _ = _invoke(
        "--current", "same.parquet", "--reference", "ref.csv",
        "--reference-scores", "ref_scores.csv", "--current-scores", "cur_scores.csv",
    )  # fmt: skip
    assert code == 8
    assert out.splitlines()[-1].endswith("; prediction drift")
    code, _, err = _invoke(
        "--current", "same.parquet", "--reference", "ref.csv", "--reference-scores", "x.csv"
    )
    assert (code, err.splitlines()[0]) == (
        2, "Error: --reference-scores and --current-scores go together"
    )  # fmt: skip
