"""GTO's grammar through the adapter: tag names, shortcuts and versions, as GTO itself has them."""

from __future__ import annotations

import pytest
from gto.tag import parse_name

from modelci.adapters.gto_registry import Registry
from modelci.errors import ExitCode, UsageError
from modelci.registry.operations import parse_reference


def test_the_registration_tag_is_gtos() -> None:
    tag = Registry.registration_tag("fraud-detector", "v1.2.0")
    assert tag == "fraud-detector@v1.2.0"
    assert parse_name(tag)["version"] == "v1.2.0"
    # A model in a sub-project's dvc.yaml (`dir:name`) gets GTO's `=` in its tag.
    assert Registry.registration_tag("models/fraud:detector", "v1.0.0") == (
        "models/fraud=detector@v1.0.0"
    )


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("v1.2.0", "fraud", ("fraud", "v1.2.0")),
        ("#production", "fraud", ("fraud", "#production")),
        ("other@v0.1.0", "fraud", ("other", "v0.1.0")),
        ("other@latest", None, ("other", "latest")),
        ("other#staging", None, ("other", "#staging")),
    ],
)
def test_references_follow_gtos_shortcuts(
    text: str, default: str | None, expected: tuple[str, str]
) -> None:
    assert parse_reference(text, default) == expected


def test_a_reference_that_names_no_version_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        parse_reference("fraud-detector", None)
    assert raised.value.exit_code == ExitCode.USAGE
    assert raised.value.message == "`fraud-detector` names no version"


@pytest.mark.parametrize("version", ["v1.2.0", "v0.0.1", "v2.0.0-rc.1"])
def test_versions_gto_accepts(version: str) -> None:
    assert Registry.check_version(version) == version


@pytest.mark.parametrize("version", ["1.2.0", "v1.2", "latest", "v1.2.0.1"])
def test_versions_gto_refuses_are_usage_errors(version: str) -> None:
    with pytest.raises(UsageError, match=f"`{version}` is not a version GTO accepts"):
        Registry.check_version(version)
