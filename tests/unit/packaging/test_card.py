"""The card as packaging reads it; `record_image` writes the pushed image, once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelci.errors import ConfigError, UsageError
from modelci.packaging.card import card_digest, image_by_digest, read_card, record_image

DIGEST = "sha256:" + "12" * 32


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "model-card.json"
    path.write_text(json.dumps(data))
    return path


def test_record_image_writes_the_registry_image_shape_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, {"name": "fraud", "version": "v1.0.0", "metrics": {"f1": 0.9}})
    assert record_image(path, "ghcr.io/o/fraud:v1.0.0", DIGEST) is True
    data = json.loads(path.read_text())
    recorded = data["image"].pop("recorded_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", recorded)
    assert data == {
        "name": "fraud",
        "version": "v1.0.0",
        "metrics": {"f1": 0.9},
        "image": {"ref": "ghcr.io/o/fraud:v1.0.0", "digest": DIGEST},
    }


def test_the_image_by_digest_drops_the_tag_but_not_a_registry_port(tmp_path: Path) -> None:
    path = write(tmp_path, {"name": "fraud"})
    assert image_by_digest(read_card(path).data) is None
    record_image(path, "127.0.0.1:5050/o/fraud:v1.0.0", DIGEST)
    assert image_by_digest(read_card(path).data) == f"127.0.0.1:5050/o/fraud@{DIGEST}"


def test_recording_the_same_image_again_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = write(tmp_path, {"name": "fraud"})
    record_image(path, "ghcr.io/o/fraud:v1", DIGEST)
    before = path.stat().st_mtime_ns, path.read_bytes()
    assert record_image(path, "ghcr.io/o/fraud:v1", DIGEST) is False
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_the_card_digest_ignores_the_image_section(tmp_path: Path) -> None:
    path = write(tmp_path, {"name": "fraud", "version": "v1.0.0"})
    before = read_card(path).digest
    record_image(path, "ghcr.io/o/fraud:v1.0.0", DIGEST)
    assert read_card(path).digest == before
    assert card_digest({"name": "fraud", "version": "v1.0.1"}) != before


def test_a_missing_card_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no model card at .*model-card\.json") as error:
        read_card(tmp_path / "model-card.json")
    assert "modelci registry register" in (error.value.hint or "")


def test_a_card_without_a_model_hash_names_the_key(tmp_path: Path) -> None:
    card = read_card(write(tmp_path, {"name": "fraud", "model": {"path": "m.pkl"}}))
    with pytest.raises(ConfigError, match=r"`model\.sha256` is missing") as error:
        _ = card.model_sha256
    assert error.value.key == "model.sha256"


def test_a_card_that_is_not_json_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "model-card.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        read_card(path)


def test_the_same_image_recorded_into_fresh_copies_of_a_card_gives_the_same_bytes(
    tmp_path: Path,
) -> None:
    """A release re-run starts from the registered card again: the image's own creation time,
    not the clock, makes the recorded card identical (so the release asset is not replaced)."""
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        path = write(folder, {"name": "fraud", "version": "v1.0.0"})
        created = "2026-01-02T03:04:05Z"
        assert record_image(path, "ghcr.io/o/fraud:v1.0.0", DIGEST, recorded_at=created) is True
    assert (first / "model-card.json").read_bytes() == (second / "model-card.json").read_bytes()
    assert json.loads((first / "model-card.json").read_text())["image"]["recorded_at"] == created
