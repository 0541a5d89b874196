"""The exact distributions an image needs: modelci and what serving imports, at pinned versions.

The set is the closure of modelci's own requirements (with its `serve` and `reference` extras
when they exist, and any extra distributions asked for, e.g. the model's library), walked
through the installed distributions' metadata with their environment markers evaluated. When
modelci declares an `image` extra, that extra is the complete list of what the image runs
(the server's imports, not the pull-request loop's dvc and pyarrow) and modelci's other
requirements are left out: a smaller image (pyarrow alone is 176 MB installed). Each is
pinned at the version the model card's training environment records (`environment.packages`),
else at the version installed here, so a card without an environment still gets no skew from
the environment that packaged it.
"""

from __future__ import annotations

import importlib.metadata as metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from modelci.errors import UsageError

ROOT_DISTRIBUTION = "modelci"
# Extras of modelci an image installs (those it declares): the server, the model's libraries.
IMAGE_EXTRAS = ("serve", "model", "reference")
# An extra that, when declared, lists everything the image needs (see the module docstring).
IMAGE_ONLY_EXTRA = "image"


@dataclass(frozen=True)
class Pin:
    name: str  # canonical distribution name
    version: str
    source: str  # "card" (the training environment) or "installed"

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


def _installed(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def _requirements(
    dist: metadata.Distribution, extras: Iterable[str], *, base: bool = True
) -> list[Requirement]:
    """`dist`'s requirements for these extras, and (if `base`) its unconditional ones."""
    wanted = set(extras)
    found: list[Requirement] = []
    for line in dist.requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is None or marker.evaluate({"extra": ""}):
            if base:
                found.append(requirement)
        elif any(marker.evaluate({"extra": e}) for e in wanted):
            found.append(requirement)
    return found


def image_only() -> bool:
    """Whether modelci declares the `image` extra (then the image skips its other requirements)."""
    root = _installed(ROOT_DISTRIBUTION)
    return root is not None and IMAGE_ONLY_EXTRA in (root.metadata.get_all("Provides-Extra") or [])


def resolve_pins(
    *,
    trained: Mapping[str, str] | None = None,
    extra_roots: Iterable[str] = (),
) -> list[Pin]:
    """Every distribution the image's modelci needs, pinned; modelci itself is not listed."""
    root = _installed(ROOT_DISTRIBUTION)
    if root is None:
        raise UsageError("modelci is not installed as a distribution (pip install modelci)")
    declared = set(root.metadata.get_all("Provides-Extra") or [])
    if image_only():
        roots = _requirements(root, [IMAGE_ONLY_EXTRA], base=False)
    else:
        roots = _requirements(root, [e for e in IMAGE_EXTRAS if e in declared])
    for name in extra_roots:
        try:
            roots.append(Requirement(name))
        except InvalidRequirement as error:
            raise UsageError(f"--with {name!r} is not a distribution name: {error}") from None
    return closure(roots, trained=trained)


def closure(roots: Iterable[Requirement], *, trained: Mapping[str, str] | None = None) -> list[Pin]:
    """The installed distributions `roots` need, transitively, each pinned (see the module)."""
    card_versions = {canonicalize_name(k): v for k, v in (trained or {}).items()}
    todo = list(roots)
    pins: dict[str, Pin] = {}
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in pins or name == ROOT_DISTRIBUTION:
            continue
        dist = _installed(name)
        if dist is None:
            raise UsageError(
                f"{requirement.name} is needed in the image but not installed here",
                hint=f"Install the environment the model was trained in (pip install "
                f"{requirement.name}), then package again.",
            )
        version = card_versions.get(name)
        pins[name] = Pin(name, version or dist.version, "card" if version else "installed")
        todo.extend(_requirements(dist, requirement.extras))
    return sorted(pins.values(), key=lambda pin: pin.name)
