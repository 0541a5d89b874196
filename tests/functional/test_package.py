"""`modelci package`: the build context on a real git repository, through the real CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.model_project import make_project
from tests.support.tools import require_tool


def modelci(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("project")
    make_project(root)
    run = modelci(root, "package", "--out", "build/image", "--format", "json")
    assert run.returncode == 0, run.stderr
    return root, root / "build/image", json.loads(run.stdout)


def test_the_context_holds_the_model_card_dockerfile_and_wheelhouse(
    packaged: tuple[Path, Path, dict[str, object]],
) -> None:
    root, context, _ = packaged
    assert sorted(p.name for p in context.iterdir()) == [
        "Dockerfile",
        "context.json",
        "model",
        "sbom-tools",
        "wheels",
    ]
    assert (context / "model/model-card.json").read_bytes() == (
        root / "model-card.json"
    ).read_bytes()
    assert (context / "model/models/model.pkl").read_bytes() == (
        root / "models/model.pkl"
    ).read_bytes()


def test_every_wheel_is_pinned_with_its_hash(
    packaged: tuple[Path, Path, dict[str, object]],
) -> None:
    _, context, summary = packaged
    lines = (context / "wheels/requirements.txt").read_text().splitlines()
    wheels = sorted((context / "wheels").glob("*.whl"))
    assert len(lines) == len(wheels) == summary["wheels"]
    hashes = {hashlib.sha256(w.read_bytes()).hexdigest() for w in wheels}
    assert {line.split("--hash=sha256:")[1] for line in lines} == hashes
    pinned = dict(line.split(" ")[0].split("==") for line in lines)
    import sklearn

    assert pinned["modelci"] == "0.1.0"
    assert pinned["scikit-learn"] == sklearn.__version__


def test_the_labels_name_the_commit_version_source_and_card(
    packaged: tuple[Path, Path, dict[str, object]],
) -> None:
    root, context, summary = packaged
    from modelci.packaging.card import read_card

    card = read_card(root / "model-card.json")
    assert summary["labels"] == {
        "org.opencontainers.image.title": "fraud",
        "org.opencontainers.image.version": "v1.2.0",
        "org.opencontainers.image.revision": card.commit,
        "org.opencontainers.image.source": "https://github.com/octo-org/model-repo",
        "io.modelci.model-card.digest": card.digest,
    }
    assert (
        f'"org.opencontainers.image.revision"="{card.commit}"'
        in (context / "Dockerfile").read_text()
    )


def test_packaging_again_gives_the_same_wheels(
    packaged: tuple[Path, Path, dict[str, object]],
) -> None:
    """Wheels built from source carry the commit's time: the same bytes, the same cached layers."""
    root, context, _ = packaged
    run = modelci(root, "package", "--out", "again")
    assert run.returncode == 0, run.stderr
    assert (root / "again/wheels/requirements.txt").read_text() == (
        context / "wheels/requirements.txt"
    ).read_text()


def test_the_generated_dockerfile_is_hadolint_clean(
    packaged: tuple[Path, Path, dict[str, object]],
) -> None:
    hadolint = require_tool("hadolint")
    _, context, _ = packaged
    run = subprocess.run(
        [hadolint, str(context / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert (run.returncode, run.stdout) == (0, "")


def test_a_model_file_that_does_not_match_its_card_is_not_packaged(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "models/model.pkl").write_bytes(b"tampered")
    run = modelci(tmp_path, "package", "--out", "ctx")
    assert run.returncode == 2
    tampered = hashlib.sha256(b"tampered").hexdigest()
    assert (
        f"Error: the model file models/model.pkl does not match its model card: SHA-256 {tampered}"
        in run.stderr
    )
    assert not (tmp_path / "ctx").exists()


def test_no_card_is_a_usage_error_with_the_way_to_make_one(tmp_path: Path) -> None:
    run = modelci(tmp_path, "package")
    assert run.returncode == 2
    assert "Error: no model card at model-card.json" in run.stderr
    assert "Hint: Register the model first (`modelci registry register`)" in run.stderr


def test_a_card_trained_on_another_python_is_refused(tmp_path: Path) -> None:
    make_project(tmp_path, environment={"python": "3.9.18"})
    run = modelci(tmp_path, "package")
    assert run.returncode == 2
    assert "the model was trained on Python 3.9.18, this is Python 3.11" in run.stderr


def test_an_output_directory_of_something_else_is_left_alone(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "keep.py").write_text("x = 1\n")
    run = modelci(tmp_path, "package", "--out", "src")
    assert run.returncode == 2
    assert "src is not empty and not a context `modelci package` made" in run.stderr
    assert (tmp_path / "src" / "keep.py").read_text() == "x = 1\n"


def test_the_schema_the_card_names_is_packaged_and_checked(tmp_path: Path) -> None:
    schema = "schema_type: dataframe\ncolumns: {x: {dtype: float64}}\n"
    digest = hashlib.sha256(schema.encode()).hexdigest()
    make_project(tmp_path, schema={"path": "schemas/points.yaml", "sha256": digest})
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas/points.yaml").write_text(schema)
    run = modelci(tmp_path, "package", "--out", "ctx")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "ctx/model/schemas/points.yaml").read_text() == schema

    (tmp_path / "schemas/points.yaml").write_text(schema + "# edited\n")
    again = modelci(tmp_path, "package", "--out", "ctx")
    assert again.returncode == 2
    assert (
        "Error: the schema file schemas/points.yaml does not match its model card" in again.stderr
    )
