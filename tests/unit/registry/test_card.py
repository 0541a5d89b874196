"""The model card: its published schema, the tag message that carries it, record_image, and
its Markdown rendering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from modelci.errors import ExitCode, RegistryError
from modelci.registry.card import (
    ModelCard,
    card_from_message,
    card_json,
    record_image,
    render_schema,
    tag_message,
)
from modelci.registry.markdown import render_card_markdown

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / "docs/model-card.schema.json"
DIGEST = "sha256:" + "ab" * 32


def _card(**changes: Any) -> ModelCard:
    data: dict[str, Any] = {
        "name": "fraud-detector",
        "version": "v1.2.0",
        "created_at": "2026-12-03T17:00:00+00:00",
        "registration_id": "0" * 32,
        "modelci_version": "0.1.0",
        "git": {
            "commit": "c" * 40,
            "subject": "Train on March data",
            "tag": "fraud-detector@v1.2.0",
        },
        "model": {"path": "models/model.skops", "format": "skops", "trusted_types": ["x.Y"]},
        "dependencies": [{"path": "data/train.parquet", "md5": "d" * 32, "used_by": ["train"]}],
        "params": {"params.yaml": {"train": {"max_depth": 6}}},
        "metrics": [
            {
                "source": "eval/metrics.json:f1",
                "file": "eval/metrics.json",
                "key": "f1",
                "value": 0.9495,
                "interval": {"low": 0.93, "high": 0.96, "confidence": 0.95},
            },
            {"source": "eval/metrics.json:n", "file": "eval/metrics.json", "key": "n", "value": 7},
        ],
        "gates": [{"metric": "f1", "source": "eval/metrics.json:f1", "passed": True}],
        "check": {"verdict": "pass", "summary": "Pass: 1 gate held", "source": "report"},
        "schemas": [],
        "environment": {"python": "3.11.7", "packages": {"scikit-learn": "1.9.1"}},
    }
    data.update(changes)
    return ModelCard.model_validate(data)


def test_the_published_schema_is_the_models_schema() -> None:
    assert SCHEMA_FILE.read_text() == render_schema(), (
        "docs/model-card.schema.json is stale: python -m modelci.registry > "
        "docs/model-card.schema.json"
    )


def test_python_m_modelci_registry_prints_the_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modelci.registry"], capture_output=True, text=True, check=True
    )
    assert result.stdout == render_schema()


def test_a_card_follows_its_published_schema() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    validator.validate(json.loads(card_json(_card())))
    with pytest.raises(jsonschema.ValidationError, match="'pass' was expected"):
        validator.validate(
            {
                **json.loads(card_json(_card())),
                "check": {"verdict": "fail", "summary": "", "source": "run"},
            }
        )


def test_the_tag_message_carries_the_card_and_gives_it_back() -> None:
    card = _card()
    message = tag_message(card)
    assert message.splitlines()[0] == "modelci model card: fraud-detector v1.2.0"
    assert message.splitlines()[1] == ""
    assert card_from_message("fraud-detector@v1.2.0", message) == card


def test_a_message_without_a_card_is_a_registry_error() -> None:
    with pytest.raises(RegistryError) as raised:
        card_from_message("m@v1.0.0", "Registering artifact m version v1.0.0")
    assert raised.value.exit_code == ExitCode.REGISTRY
    assert (
        raised.value.message
        == "the tag `m@v1.0.0` carries no model card (registered by another tool?)"
    )
    assert (
        raised.value.hint
        == "register versions with `modelci registry register`, which writes the card"
    )


def test_a_broken_card_names_the_field() -> None:
    body = json.loads(card_json(_card()))
    body["git"]["commit"] = "not-a-sha"
    with pytest.raises(RegistryError, match=r"is not valid: git\.commit: String should match"):
        card_from_message("m@v1.2.0", "modelci model card: m v1.2.0\n\n" + json.dumps(body))


def test_record_image_sets_the_image_and_checks_the_digest() -> None:
    card = _card()
    imaged = record_image(card, "ghcr.io/o/fraud:v1.2.0", DIGEST)
    assert imaged.image is not None
    assert (imaged.image.ref, imaged.image.digest) == ("ghcr.io/o/fraud:v1.2.0", DIGEST)
    assert imaged.model_dump(exclude={"image"}) == card.model_dump(exclude={"image"})
    assert card.image is None  # the card given is left as it was
    with pytest.raises(ValueError, match="String should match pattern"):
        record_image(card, "ghcr.io/o/fraud:v1.2.0", "latest")


def test_metric_files_are_what_a_check_reads_as_the_base() -> None:
    assert _card().metric_files() == {"eval/metrics.json": {"f1": 0.9495, "n": 7}}


def test_markdown_shows_intervals_and_escapes_what_the_repository_wrote() -> None:
    card = _card(git={"commit": "c" * 40, "subject": "@org/team | <b>x</b>", "tag": "m@v1.2.0"})
    markdown = render_card_markdown(record_image(card, "ghcr.io/o/fraud:v1.2.0", DIGEST))
    assert "| <code>eval/metrics.json:f1</code> | 0.9495 | 0.93 to 0.96 (95%) |" in markdown
    assert "&#64;&#8203;org/team &#124; &#60;b&#62;x&#60;/b&#62;" in markdown
    assert "<b>" not in markdown and "@org" not in markdown
    assert f"Image: <code>ghcr.io/o/fraud:v1.2.0&#64;{DIGEST}</code>" in markdown
    assert "Trusted types: <code>x.Y</code>" in markdown
    assert "scikit-learn==1.9.1" in markdown
