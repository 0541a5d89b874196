"""Validation results remembered by content: a check whose data and schema did not change reuses
the verdict instead of importing pandas and Pandera again (most of a no-change check's time).

The key is a hash of everything the verdict depends on: the data file's bytes, the schema file's
bytes, the dataset's name and path, the sample cap, and the versions of modelci and of the
libraries that read and validate. A schema given as a Python object (`module:attr`) can depend on
any code, so it is never cached. Entries are written atomically; one that cannot be read is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from modelci import __version__
from modelci.files import write_text_atomic
from modelci.validation._results import CheckFailure, FailureSample, ValidationResult
from modelci.validation._schema import YAML_SUFFIXES, load_schema

_FORMAT = 1  # bump when the stored shape changes
_LIBRARIES = ("pandas", "pandera", "pyarrow", "numpy")


def validate_cached(
    path: Path, spec: str, *, base_dir: Path, name: str, max_samples: int, cache_dir: Path
) -> ValidationResult:
    """`validate_file(path, load_schema(spec))`, answered from `cache_dir` when nothing changed."""
    from modelci.validation._validate import validate_file

    key = _key(path, spec, base_dir, name, max_samples)
    entry = cache_dir / f"{key}.json" if key else None
    if entry is not None:
        cached = _load(entry)
        if cached is not None:
            return cached
    result = validate_file(
        path, load_schema(spec, base_dir=base_dir), name=name, max_samples=max_samples
    )
    if entry is not None:
        # A read-only workspace still validates; it only does not remember.
        with contextlib.suppress(OSError):
            write_text_atomic(entry, json.dumps(asdict(result)))
    return result


def _key(path: Path, spec: str, base_dir: Path, name: str, max_samples: int) -> str | None:
    spec = spec.strip()
    if not spec.lower().endswith(YAML_SUFFIXES):
        return None
    schema_path = Path(spec) if Path(spec).is_absolute() else base_dir / spec
    digest = hashlib.sha256()
    try:
        for part in (_FORMAT, __version__, *map(_version, _LIBRARIES), spec, name, str(path)):
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


def _load(entry: Path) -> ValidationResult | None:
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
