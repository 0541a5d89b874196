"""The image's distributions: modelci's closure, pinned to the training run where it says."""

from __future__ import annotations

import importlib.metadata as metadata

import pytest
from packaging.requirements import Requirement

from modelci.errors import UsageError
from modelci.packaging.environment import closure, resolve_pins


def test_the_closure_pins_what_is_installed_here() -> None:
    pins = {pin.name: pin for pin in resolve_pins()}
    for name in ("click", "pandas", "numpy", "scikit-learn", "pydantic-core"):
        assert pins[name].version == metadata.version(name)
        assert pins[name].source == "installed"
    assert "modelci" not in pins
    assert "pytest" not in pins  # a dev tool, not something the server imports


def test_versions_from_the_training_environment_win() -> None:
    pins = {p.name: p for p in closure([Requirement("click")], trained={"Click": "8.1.0"})}
    assert (pins["click"].version, pins["click"].source) == ("8.1.0", "card")


def test_an_extra_distribution_brings_its_own_requirements() -> None:
    names = {pin.name for pin in resolve_pins(extra_roots=["requests"])}
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer"} <= names


def test_a_distribution_not_installed_here_is_refused() -> None:
    with pytest.raises(
        UsageError, match="no-such-dist-xyz is needed in the image but not installed"
    ):
        closure([Requirement("no-such-dist-xyz")])
