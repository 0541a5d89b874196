"""validate_cached: a verdict is reused only while the data, the schema and the settings match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelci.validation import validate_cached

SCHEMA = "columns:\n  amount:\n    dtype: float64\n    greater_than: 0\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "schema.yaml").write_text(SCHEMA)
    (tmp_path / "data.csv").write_text("amount\n1.0\n-2.0\n")
    return tmp_path


def _validate(root: Path, spec: str = "schema.yaml", max_samples: int = 5):  # type: ignore[no-untyped-def]
    return validate_cached(
        root / "data.csv",
        spec,
        base_dir=root,
        name="points",
        max_samples=max_samples,
        cache_dir=root / "cache",
    )


def _tamper(root: Path, rows: int) -> None:
    """Rewrite the one cache entry so that a reuse is visible in the result."""
    (entry,) = (root / "cache").iterdir()
    data = json.loads(entry.read_text())
    data["rows"] = rows
    entry.write_text(json.dumps(data))


def test_unchanged_inputs_reuse_the_stored_verdict(files: Path) -> None:
    first = _validate(files)
    assert (first.rows, first.valid, first.failures[0].samples[0].line) == (2, False, 3)
    _tamper(files, rows=999)

    again = _validate(files)

    assert again.rows == 999  # answered from the cache
    assert again.failures == first.failures
    assert again.failures[0].samples[0].line == 3


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "data.csv").write_text("amount\n1.0\n2.0\n"),
        lambda root: (root / "schema.yaml").write_text(SCHEMA.replace("greater_than: 0", "ge: -5")),
    ],
    ids=["data", "schema"],
)
def test_a_changed_data_or_schema_file_is_validated_again(files: Path, change) -> None:  # type: ignore[no-untyped-def]
    _validate(files)
    _tamper(files, rows=999)
    change(files)

    result = _validate(files)

    assert (result.rows, result.valid) == (2, True)


def test_other_settings_are_other_entries(files: Path) -> None:
    _validate(files)
    _tamper(files, rows=999)

    assert _validate(files, max_samples=1).rows == 2
    assert len(list((files / "cache").iterdir())) == 2


def test_a_python_object_schema_is_never_cached(files: Path) -> None:
    (files / "cache_schema_mod_8c2.py").write_text(
        "import pandera.pandas as pa\nschema = pa.DataFrameSchema({'amount': pa.Column(float)})\n"
    )

    assert _validate(files, "cache_schema_mod_8c2:schema").valid

    assert not (files / "cache").exists()


def test_an_unreadable_entry_is_a_miss(files: Path) -> None:
    _validate(files)
    (entry,) = (files / "cache").iterdir()
    entry.write_text("{not json")

    assert _validate(files).rows == 2
    assert json.loads(entry.read_text())["rows"] == 2  # written afresh


def test_the_verdict_does_not_depend_on_the_name_it_was_stored_under(files: Path) -> None:
    _validate(files)
    _tamper(files, rows=999)
    again = validate_cached(
        files / "data.csv",
        "schema.yaml",
        base_dir=files,
        name="another name",
        max_samples=5,
        cache_dir=files / "cache",
    )
    assert (again.rows, again.dataset, again.path) == (999, "another name", str(files / "data.csv"))


def test_validate_in_a_dvc_repository_remembers_for_a_later_check(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from modelci.cli.main import cli
    from modelci.validation import CACHE_DIR

    (files / ".dvc").mkdir()
    monkeypatch.chdir(files)
    result = CliRunner().invoke(cli, ["validate", "data.csv", "--schema", "schema.yaml"])
    assert result.exit_code == 4
    (entry,) = (files / CACHE_DIR).iterdir()
    data = json.loads(entry.read_text())
    data["rows"] = 999
    entry.write_text(json.dumps(data))
    # What `modelci check` asks (its own name for the dataset) is answered by that entry.
    remembered = validate_cached(
        files / "data.csv",
        "schema.yaml",
        base_dir=files,
        name="points",
        max_samples=5,
        cache_dir=files / CACHE_DIR,
    )
    assert (remembered.rows, remembered.dataset) == (999, "points")
    # And the command itself answers from it too, under the file's own name.
    again = CliRunner().invoke(
        cli, ["validate", "data.csv", "--schema", "schema.yaml", "--format", "json"]
    )
    assert json.loads(again.stdout)[0]["rows"] == 999


def test_validate_outside_a_dvc_repository_remembers_nothing(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from modelci.cli.main import cli

    monkeypatch.chdir(files)
    result = CliRunner().invoke(cli, ["validate", "data.csv", "--schema", "schema.yaml"])
    assert result.exit_code == 4
    assert not (files / ".dvc").exists()
    assert sorted(p.name for p in files.iterdir()) == ["data.csv", "schema.yaml"]
