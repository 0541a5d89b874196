"""`modelci validate`: through click's CliRunner on the real group, and as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelci.cli.main import cli
from modelci.errors import ConfigError, DataError, ExitCode

SCHEMA_YAML = """\
schema_type: dataframe
columns:
  id:
    dtype: int64
    unique: true
  amount:
    dtype: float64
    greater_than: 0
strict: true
"""
GOOD_CSV = "id,amount\n1,2.5\n2,3.0\n"
BAD_CSV = "id,amount\n1,2.5\n1,-4.0\n"

BAD_TEXT = (
    "✗ bad.csv: invalid against schema.yaml\n"
    "  rows: 2 (2 failing rows)\n"
    "  id · field_uniqueness · 2 rows · e.g. row 0 (line 2): 1, row 1 (line 3): 1\n"
    "  amount · greater_than(0) · 1 row · e.g. row 1 (line 3): -4.0\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "schema.yaml").write_text(SCHEMA_YAML)
    (tmp_path / "good.csv").write_text(GOOD_CSV)
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _invoke(*args: str) -> tuple[int, str, str]:
    """Run `modelci validate ARGS` on the real group: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_valid_file_exits_ok(project: Path) -> None:
    code, out, err = _invoke("good.csv", "--schema", "schema.yaml")

    assert code == ExitCode.OK
    assert out == "✓ good.csv: valid against schema.yaml\n  rows: 2\n"
    assert err == ""


def test_invalid_file_exits_4_with_every_failure(project: Path) -> None:
    code, out, _ = _invoke("good.csv", "bad.csv", "--schema", "schema.yaml")

    assert code == ExitCode.VALIDATION_FAILED == 4
    assert out == "✓ good.csv: valid against schema.yaml\n  rows: 2\n\n" + BAD_TEXT


def test_json_format(project: Path) -> None:
    code, out, _ = _invoke(
        "bad.csv", "--schema", "schema.yaml", "--format", "json", "--max-samples", "1"
    )

    assert code == ExitCode.VALIDATION_FAILED
    data = json.loads(out)
    assert [(d["dataset"], d["valid"], d["failed_rows"]) for d in data] == [("bad.csv", False, 2)]
    assert data[0]["failures"][0] == {
        "column": "id",
        "check": "field_uniqueness",
        "count": 2,
        "table_wide": False,
        "samples": [{"row": 0, "line": 2, "value": "1"}],
    }


def test_markdown_written_atomically_to_output(project: Path) -> None:
    target = project / "reports" / "validation.md"
    target.parent.mkdir()
    target.write_text("old report")

    code, out, err = _invoke(
        "bad.csv", "--schema", "schema.yaml", "--format", "markdown", "--output", str(target)
    )

    assert code == ExitCode.VALIDATION_FAILED
    assert out == ""
    assert err == f"Wrote the markdown report to {target} (INVALID data).\n"
    text = target.read_text()
    assert text.startswith(
        "❌ **bad.csv**: invalid against <code>schema.yaml</code>: 2 failed checks, "
        "2 of 2 rows failing.\n"
    )
    assert text.count("</details>") == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["validation.md"]  # no temp file left


def test_schema_error_exits_3(project: Path) -> None:
    code, out, err = _invoke("good.csv", "--schema", "nope.yaml")

    assert code == ExitCode.CONFIG == 3
    assert out == ""
    assert err.startswith(f"Error: schema file not found: nope.yaml ({project}/nope.yaml)\nHint: ")


def test_missing_data_file_exits_4(project: Path) -> None:
    code, out, err = _invoke("good.csv", "missing.csv", "--schema", "schema.yaml")

    assert code == ExitCode.VALIDATION_FAILED == 4
    assert out == ""
    assert err.startswith("Error: data file not found: missing.csv\nHint: ")


def test_operation_errors_are_modelci_errors(project: Path) -> None:
    from modelci.validation import validate_files

    with pytest.raises(ConfigError):
        validate_files([project / "good.csv"], "nope.yaml", base_dir=project)
    with pytest.raises(DataError):
        validate_files([project / "missing.csv"], "schema.yaml", base_dir=project)


def test_schema_option_is_required(project: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "good.csv"])

    assert result.exit_code == 2
    assert "Missing option '--schema'" in result.stderr


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["validate", "--help"])

    assert result.exit_code == 0
    assert (
        "modelci validate data/transactions.csv --schema schemas/transactions.yaml" in result.stdout
    )


# --- as a process: the exit codes a CI job sees --------------------------------------------------


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "modelci", "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )


def test_process_exit_codes_and_output(tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").write_text(SCHEMA_YAML)
    (tmp_path / "good.csv").write_text(GOOD_CSV)
    (tmp_path / "bad.csv").write_text(BAD_CSV)

    ok = _run(tmp_path, "good.csv", "--schema", "schema.yaml")
    invalid = _run(tmp_path, "bad.csv", "--schema", "schema.yaml")
    config = _run(tmp_path, "good.csv", "--schema", "nope.yaml")
    missing = _run(tmp_path, "missing.parquet", "--schema", "schema.yaml")

    assert (ok.returncode, ok.stdout, ok.stderr) == (
        0,
        "✓ good.csv: valid against schema.yaml\n  rows: 2\n",
        "",
    )
    assert (invalid.returncode, invalid.stdout, invalid.stderr) == (4, BAD_TEXT, "")
    assert config.returncode == 3
    assert config.stdout == ""
    assert config.stderr.startswith(
        f"Error: schema file not found: nope.yaml ({tmp_path}/nope.yaml)\nHint: "
    )
    assert missing.returncode == 4
    assert missing.stdout == ""
    assert missing.stderr == (
        "Error: data file not found: missing.parquet\n"
        "Hint: If the file is tracked by DVC, fetch it with `dvc pull` or rebuild it with "
        "`dvc repro`; otherwise check the path.\n"
    )


def test_cli_module_does_not_import_pandas() -> None:
    code = (
        "import sys, modelci.cli.validate; "
        "print(sorted(m for m in ('pandas', 'pandera', 'pyarrow') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout == "[]\n"


@pytest.mark.parametrize("target", ["good.csv", "schema.yaml", "link-to-data.csv"])
def test_output_that_would_overwrite_an_input_is_refused(project: Path, target: str) -> None:
    (project / "link-to-data.csv").symlink_to(project / "good.csv")
    before = {name: (project / name).read_text() for name in ("good.csv", "schema.yaml")}

    code, out, err = _invoke("good.csv", "--schema", "schema.yaml", "--output", target)

    assert code == ExitCode.USAGE
    kind, victim = (
        ("schema file", "schema.yaml") if target == "schema.yaml" else ("data file", "good.csv")
    )
    assert err.startswith(
        f"Error: --output {target} is the {kind} {victim}: writing the report would overwrite it\n"
    )
    assert out == ""
    assert {name: (project / name).read_text() for name in before} == before


def test_output_through_a_symlinked_directory_is_refused(project: Path) -> None:
    (project / "alias").symlink_to(project, target_is_directory=True)

    code, _, err = _invoke("good.csv", "--schema", "schema.yaml", "--output", "alias/good.csv")

    assert code == ExitCode.USAGE
    assert "is the data file good.csv" in err
    assert (project / "good.csv").read_text() == GOOD_CSV


def test_directory_as_data_file_exits_4(project: Path) -> None:
    (project / "folder.csv").mkdir()

    code, _, err = _invoke("folder.csv", "--schema", "schema.yaml")

    assert code == ExitCode.VALIDATION_FAILED
    assert err.startswith("Error: not a file: folder.csv\n")


def test_corrupt_parquet_exits_4(project: Path) -> None:
    (project / "broken.parquet").write_bytes(b"PAR1" + b"\x00" * 40 + b"PAR1")

    code, _, err = _invoke("broken.parquet", "--schema", "schema.yaml")

    assert code == ExitCode.VALIDATION_FAILED
    assert err.startswith("Error: cannot read broken.parquet: ")


def test_unreadable_data_file_exits_4(project: Path) -> None:
    # A symlink loop cannot be read by anyone, root included (a mode of 0 would not stop root).
    (project / "loop.csv").symlink_to("loop.csv")

    code, _, err = _invoke("loop.csv", "--schema", "schema.yaml")

    assert code == ExitCode.VALIDATION_FAILED
    assert err.startswith("Error: cannot read loop.csv: Too many levels of symbolic links")


def test_schema_module_calling_sys_exit_exits_3_naming_it(project: Path) -> None:
    (project / "exiting_schema_4d1.py").write_text("import sys\nsys.exit(9)\n")

    code, out, err = _invoke("good.csv", "--schema", "exiting_schema_4d1:schema")

    assert code == ExitCode.CONFIG
    assert err.startswith(
        "Error: schema `exiting_schema_4d1:schema`: importing module `exiting_schema_4d1` "
        "failed: SystemExit: 9\n"
    )
    assert out == ""
