"""`modelci package`: a self-contained build context for the model's image.

    OUT/Dockerfile                  see `modelci.packaging.dockerfile`
    OUT/model/model-card.json       the card, byte for byte
    OUT/model/<model.path>          the model file, its SHA-256 checked against the card first
    OUT/model/<schema.path>         the training schema, when the card names one (hash checked)
    OUT/wheels/*.whl                modelci and every distribution it needs, pinned (environment.py)
    OUT/wheels/requirements.txt     name==version --hash=sha256:... for each wheel
    OUT/sbom-tools/                 cyclonedx-bom's wheels, for the SBOM stage
    OUT/context.json                what was packaged: labels, pins, the base image

The wheels are built or fetched on this machine with `pip wheel` (so no network is needed inside
the build). They match this machine's Python and platform, which must then match the base
image's: Python 3.11 on glibc Linux for the default `python:3.11-slim`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename

from modelci.errors import PipelineError, UsageError
from modelci.packaging.card import CARD_NAME, CardModel, read_card
from modelci.packaging.dockerfile import (
    CARD_DIGEST_LABEL,
    DEFAULT_BASE_IMAGE,
    ImageSpec,
    render,
)
from modelci.packaging.environment import (
    ROOT_DISTRIBUTION,
    Pin,
    closure,
    image_only,
    resolve_pins,
)

MANIFEST = "context.json"
SBOM_TOOL = "cyclonedx-bom"


@dataclass(frozen=True)
class PackagedContext:
    directory: str
    name: str
    version: str
    revision: str
    labels: dict[str, str]
    pins: list[str]  # name==version, modelci first
    wheels: int
    default_base_image: str
    created: str  # the image's creation time (see _created)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(card: CardModel, root: Path, key: str, name: str, sha256: str | None) -> Path:
    """A file the card names (`key`.path), refused unless its SHA-256 is the one recorded."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise UsageError(
            f"the model card's {key}.path {name!r} leaves the repository",
            hint=f"{key}.path must be relative to the repository root.",
        )
    path = root / relative
    if not path.is_file():
        raise UsageError(
            f"the {key} file {relative} named by {card.path} is missing",
            hint="Run `dvc pull` (or `dvc repro`) to bring it into the workspace.",
        )
    actual = sha256_file(path)
    if sha256 is not None and actual != sha256.lower():
        raise UsageError(
            f"the {key} file {relative} does not match its model card: SHA-256 {actual}, "
            f"the card records {sha256.lower()}",
            hint="Package the model the card was registered for: check out its tag and "
            "`dvc pull`, or register the model again.",
        )
    return path


def _card_files(card: CardModel, root: Path) -> dict[str, Path]:
    """Relative path -> file for what the image's server reads beside the card: the model
    (its hash required) and, when the card names one, the schema file."""
    files = {card.model_file: _verified(card, root, "model", card.model_file, card.model_sha256)}
    schema = card.data.get("schema")
    if isinstance(schema, dict) and isinstance(schema.get("path"), str):
        digest = schema.get("sha256")
        files[schema["path"]] = _verified(
            card, root, "schema", schema["path"], digest if isinstance(digest, str) else None
        )
    return files


def _check_python(card: CardModel) -> None:
    here = ".".join(platform.python_version_tuple()[:2])
    if card.python and ".".join(card.python.split(".")[:2]) != here:
        raise UsageError(
            f"the model was trained on Python {card.python}, this is Python {here}: the "
            "wheelhouse would not match the training environment",
            hint=f"Run `modelci package` with Python {card.python}.",
        )


def _source_dir() -> Path | None:
    """Where this modelci was installed from, when it is a local checkout (editable or not)."""
    try:
        text = metadata.distribution(ROOT_DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    url = json.loads(text).get("url", "")
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path))
    return path if (path / "pyproject.toml").is_file() else None


def _pip_wheel(directory: Path, targets: Sequence[str], *, epoch: str) -> None:
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(directory)]
    # A fixed timestamp makes a wheel built from source (modelci's) the same bytes each time,
    # so its hash, and the engine's cached layers, stay the same.
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    run = subprocess.run([*cmd, *targets], capture_output=True, text=True, check=False, env=env)
    if run.returncode != 0:
        tail = "\n".join((run.stderr or run.stdout).strip().splitlines()[-8:])
        raise PipelineError(
            f"pip could not build the wheelhouse in {directory} (exit {run.returncode}):\n{tail}",
            hint="The package index (or pip's cache) must hold these exact versions; check "
            "`pip config list` and the network.",
        )


def _requirements_with_hashes(directory: Path, wanted: Iterable[str]) -> str:
    """`name==version --hash=sha256:...` for each wheel; every wanted name must have one."""
    lines: dict[str, str] = {}
    for wheel in sorted(directory.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        lines[str(name)] = f"{name}=={version} --hash=sha256:{sha256_file(wheel)}"
    missing = sorted(set(wanted) - set(lines))
    if missing:
        raise PipelineError(f"pip left out wheels for {', '.join(missing)} in {directory}")
    return "".join(f"{lines[name]}\n" for name in sorted(lines))


# What setuptools reads to build modelci's wheel from a checkout.
_SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")


def _private_source_copy(source: Path, into: Path) -> Path:
    """A copy of the checkout to build from: setuptools writes `build/` and `*.egg-info` into the
    tree it builds, so two packagings of one checkout at once would trip over each other (and
    leave litter in the user's tree)."""
    copy = into / "modelci-source"
    copy.mkdir()
    for name in _SOURCE_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, copy / name)
    shutil.copytree(
        source / "src",
        copy / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )
    return copy


def _wheelhouse(directory: Path, pins: list[Pin], *, with_modelci: bool, epoch: str) -> None:
    directory.mkdir()
    targets = [str(pin) for pin in pins]
    wanted = [pin.name for pin in pins]
    with tempfile.TemporaryDirectory(prefix=".modelci-source.") as scratch:
        if with_modelci:
            source = _source_dir()
            version = metadata.version(ROOT_DISTRIBUTION)
            target = (
                str(_private_source_copy(source, Path(scratch)))
                if source
                else f"{ROOT_DISTRIBUTION}=={version}"
            )
            targets.insert(0, target)
            wanted.append(ROOT_DISTRIBUTION)
        _pip_wheel(directory, targets, epoch=epoch)
    (directory / "requirements.txt").write_text(
        _requirements_with_hashes(directory, wanted), encoding="utf-8"
    )


def _git(root: Path, *args: str) -> str | None:
    run = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return run.stdout.strip() or None if run.returncode == 0 else None


def source_url(root: Path) -> str | None:
    """The repository's web address, from the `origin` remote (SSH or HTTPS form)."""
    remote = _git(root, "remote", "get-url", "origin")
    if not remote:
        return None
    if remote.startswith("git@") and ":" in remote:
        host, _, path = remote[4:].partition(":")
        remote = f"https://{host}/{path}"
    parts = urlsplit(remote)
    if parts.scheme not in {"http", "https"}:
        return None
    path = parts.path.removesuffix(".git")
    return f"https://{parts.hostname}{path}"


def _created(root: Path, revision: str) -> datetime:
    """The image's creation time: SOURCE_DATE_EPOCH, else the commit's time, else now.

    A fixed time keeps a rebuild of the same context the same image (same digest), so
    re-running a release pushes nothing new and records nothing new.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or _git(root, "log", "-1", "--format=%ct", revision)
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else None
    return moment or datetime.now(UTC)


def image_labels(card: CardModel, *, revision: str, source: str | None) -> dict[str, str]:
    labels = {
        "org.opencontainers.image.title": card.name,
        "org.opencontainers.image.version": card.version,
        "org.opencontainers.image.revision": revision,
        CARD_DIGEST_LABEL: card.digest,
    }
    if source:
        labels["org.opencontainers.image.source"] = source
    return labels


def package(
    card_path: Path,
    out: Path,
    *,
    root: Path,
    source: str | None = None,
    with_distributions: Sequence[str] = (),
) -> PackagedContext:
    """Write the build context for the card's model into `out` (replaced as a whole)."""
    card = read_card(card_path)
    files = _card_files(card, root)
    _check_python(card)
    revision = card.commit or _git(root, "rev-parse", "HEAD")
    if not revision:
        raise UsageError(
            f"no git commit for the image: the card {card_path} names none and {root} is not "
            "a git repository"
        )
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise UsageError(
            f"{out} is not empty and not a context `modelci package` made",
            hint="Choose an empty or new --out directory.",
        )
    labels = image_labels(card, revision=revision, source=source or source_url(root))
    pins = resolve_pins(trained=card.packages, extra_roots=with_distributions)
    created = _created(root, revision)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (staging / "model").mkdir()
        shutil.copyfile(card_path, staging / "model" / CARD_NAME)
        for relative, original in files.items():
            target = staging / "model" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original, target)
        epoch = str(int(created.timestamp()))
        _wheelhouse(staging / "wheels", pins, with_modelci=True, epoch=epoch)
        tools = closure([Requirement(SBOM_TOOL)])
        _wheelhouse(staging / "sbom-tools", tools, with_modelci=False, epoch=epoch)
        spec = ImageSpec(labels, check_requirements=not image_only())
        (staging / "Dockerfile").write_text(render(spec), encoding="utf-8")
        context = PackagedContext(
            directory=str(out),
            name=card.name,
            version=card.version,
            revision=revision,
            labels=labels,
            pins=[f"{ROOT_DISTRIBUTION}=={metadata.version(ROOT_DISTRIBUTION)}"]
            + [str(pin) for pin in pins],
            wheels=len(list((staging / "wheels").glob("*.whl"))),
            default_base_image=DEFAULT_BASE_IMAGE,
            created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        (staging / MANIFEST).write_text(json.dumps(context.to_dict(), indent=2) + "\n")
        staging.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.replace(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return context


def read_context(directory: Path) -> PackagedContext:
    """The manifest of a context `package` wrote."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{directory} holds no build context ({MANIFEST} missing)",
            hint="Run `modelci package --out DIR` first.",
        ) from None
    return PackagedContext(**{**data, "directory": str(directory)})
