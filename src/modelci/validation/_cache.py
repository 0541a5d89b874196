"""Validation results remembered by content: a check whose data and schema did not change reuses
the verdict instead of importing pandas and Pandera again (most of a no-change check's time).

The key is a hash of everything the verdict depends on: the data file's bytes, the schema file's
bytes, the sample cap, and the versions of modelci and of the libraries that read and validate.
Names are not in it (a hit takes the caller's dataset name and path), so the pipeline's own
`modelci validate` stage and a later `modelci check` of the same bytes share one verdict. A schema
given as a Python object (`module:attr`) can depend on any code, so it is never cached. Entries
are written atomically; one that cannot be read is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from modelci import __version__
from modelci.files import write_text_atomic
from modelci.validation._results import CheckFailure, FailureSample, ValidationResult
from modelci.validation._schema import YAML_SUFFIXES, load_schema

# Where a repository keeps the verdicts: DVC's own scratch folder, untracked and per workspace.
CACHE_DIR = Path(".dvc/tmp/modelci/validation")
_FORMAT = 2  # bump when the stored shape or the key changes
_LIBRARIES = ("pandas", "pandera", "pyarrow", "numpy")


def validate_cached(
    path: Path, spec: str, *, base_dir: Path, name: str, max_samples: int, cache_dir: Path
) -> ValidationResult:
    """`validate_file(path, load_schema(spec))`, answered from `cache_dir` when nothing changed."""
    from modelci.validation._validate import validate_file

    entry = _entry(path, spec, base_dir, max_samples, cache_dir)
    cached = _load(entry, name, path) if entry else None
    if cached is not None:
        return cached
    result = validate_file(
        path, load_schema(spec, base_dir=base_dir), name=name, max_samples=max_samples
    )
    _store(entry, result)
    return result


def validate_files_cached(
    paths: Sequence[Path], spec: str, *, base_dir: Path, max_samples: int, cache_dir: Path
) -> list[ValidationResult]:
    """`validate_files(paths, spec)`, each file answered from `cache_dir` when it can be.

    As `validate_files`: the schema is loaded (once) before any file is validated, so a schema
    error wins over a data error."""
    from modelci.validation._validate import validate_file

    entries = [_entry(path, spec, base_dir, max_samples, cache_dir) for path in paths]
    found = [
        _load(entry, path.name, path) if entry else None
        for entry, path in zip(entries, paths, strict=True)
    ]
    if all(result is not None for result in found):
        return [result for result in found if result is not None]
    schema = load_schema(spec, base_dir=base_dir)
    results = []
    for path, entry, cached in zip(paths, entries, found, strict=True):
        if cached is None:
            cached = validate_file(path, schema, max_samples=max_samples)
            _store(entry, cached)
        results.append(cached)
    return results


def _entry(path: Path, spec: str, base_dir: Path, max_samples: int, cache_dir: Path) -> Path | None:
    key = _key(path, spec, base_dir, max_samples)
    return cache_dir / f"{key}.json" if key else None


def _store(entry: Path | None, result: ValidationResult) -> None:
    if entry is not None:
        # A read-only workspace still validates; it only does not remember.
        with contextlib.suppress(OSError):
            write_text_atomic(entry, json.dumps(asdict(result)))


def _key(path: Path, spec: str, base_dir: Path, max_samples: int) -> str | None:
    spec = spec.strip()
    if not spec.lower().endswith(YAML_SUFFIXES):
        return None
    schema_path = Path(spec) if Path(spec).is_absolute() else base_dir / spec
    digest = hashlib.sha256()
    try:
        for part in (_FORMAT, __version__, *map(_version, _LIBRARIES)):
            digest.update(f"{part}\0".encode())
        digest.update(f"{max_samples}\0".encode())
        for file in (schema_path, path):
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    except (OSError, metadata.PackageNotFoundError):
        return None  # validation itself reports a missing or unreadable file
    return digest.hexdigest()


def _version(distribution: str) -> str:
    return metadata.version(distribution)


def _load(entry: Path, name: str, path: Path) -> ValidationResult | None:
    """The remembered verdict, named as this caller names the dataset and its file."""
    result = _read(entry)
    return replace(result, dataset=name, path=str(path)) if result else None


def _read(entry: Path) -> ValidationResult | None:
    try:
        data: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
        failures = tuple(
            CheckFailure(
                column=failure["column"],
                check=failure["check"],
                count=failure["count"],
                samples=tuple(FailureSample(**sample) for sample in failure["samples"]),
            )
            for failure in data.pop("failures")
        )
        return ValidationResult(**data, failures=failures)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
