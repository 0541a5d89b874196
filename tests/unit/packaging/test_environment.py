"""The image's distributions: modelci's closure, pinned to the training run where it says."""

from __future__ import annotations

import importlib.metadata as metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from modelci.errors import UsageError
from modelci.packaging.environment import _requirements, closure, resolve_pins


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


def _distribution(tmp_path: Path, *requires: str) -> metadata.Distribution:
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", "Name: demo", "Version: 1.0"]
    lines += [f"Provides-Extra: {e}" for e in ("image", "serve")]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    return metadata.PathDistribution(info)


def test_an_image_extra_replaces_the_base_requirements(tmp_path: Path) -> None:
    dist = _distribution(
        tmp_path,
        "dvc>=3",
        "pyarrow>=15",
        'pandas>=2; extra == "image"',
        'click; python_version >= "3.8"',
        'uvicorn; extra == "serve"',
    )
    assert [r.name for r in _requirements(dist, ["image"], base=False)] == ["pandas"]
    assert [r.name for r in _requirements(dist, ["serve"])] == [
        "dvc",
        "pyarrow",
        "click",
        "uvicorn",
    ]
