"""`build_image`'s checks before it touches the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelci.errors import UsageError
from modelci.operations.image import build_image, image_tags, validate_repository


def test_a_push_whose_card_is_missing_is_refused_before_building(tmp_path: Path) -> None:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx/context.json").write_text("{}")

    class NoEngine:
        def build(self, *args: object, **kwargs: object) -> str:
            raise AssertionError("nothing may be built")

    with pytest.raises(UsageError, match=r"no model card at .*model-card\.json"):
        build_image(
            NoEngine(),  # type: ignore[arg-type]
            tmp_path / "ctx",
            repository="r.example/m",
            push=True,
            card_path=tmp_path / "model-card.json",
            progress=print,
        )


def test_a_repository_with_a_tag_is_refused_with_an_example() -> None:
    with pytest.raises(UsageError, match="is not an image repository") as error:
        validate_repository("ghcr.io/o/Fraud:v1")
    assert "--push ghcr.io/OWNER/MODEL" in (error.value.hint or "")


def test_the_tags_are_the_version_and_the_commit() -> None:
    assert image_tags("127.0.0.1:5050/o/m", "v1.2.0", "a" * 40) == [
        "127.0.0.1:5050/o/m:v1.2.0",
        f"127.0.0.1:5050/o/m:{'a' * 40}",
    ]
