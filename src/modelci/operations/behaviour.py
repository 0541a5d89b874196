"""Behaviour checks inside a check, remembered by content.

Loading scikit-learn, skops and the model costs more than the checks themselves (1.3-2.5 s here),
so a check in which nothing changed reuses the last result. The key hashes everything the result
depends on: the settings, the threshold, the model's metadata AND the model file's own bytes (a
file changed behind its metadata is a miss, so it is loaded, and refused, as on a first run), the
rows the checks change and every cases file, and modelci's version. Warnings (a pickle model) are
not remembered: a model that warns is checked every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from modelci import __version__
from modelci.behaviour.results import BehaviourResult
from modelci.config.behaviour import BehaviourConfig
from modelci.files import write_text_atomic

CACHE = Path(".dvc/tmp/modelci/behaviour")
_FORMAT = 1  # bump when the remembered shape or the key changes


def behaviour_for(config: BehaviourConfig, root: Path, *, threshold: float) -> BehaviourResult:
    entry = _entry(config, root, threshold)
    if entry is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return BehaviourResult.from_dict(json.loads(entry.read_text(encoding="utf-8")))
    from modelci.behaviour import run_behaviour  # numpy, and the model's libraries

    result = run_behaviour(config, root, threshold=threshold)
    if entry is not None and not result.warnings:
        with contextlib.suppress(OSError):  # a read-only workspace checks; it only forgets
            write_text_atomic(entry, json.dumps(result.to_dict()))
    return result


def _entry(config: BehaviourConfig, root: Path, threshold: float) -> Path | None:
    """The cache file for these inputs; None when one cannot be read (the run reports it)."""
    from modelci.errors import ModelFileError
    from modelci.modelfile import read_metadata

    digest = hashlib.sha256(f"{_FORMAT}\0{__version__}\0{threshold!r}\0".encode())
    digest.update(config.model_dump_json().encode())
    try:
        metadata_path = root / config.model
        record = read_metadata(metadata_path)
        files = [metadata_path, record.path]
        files += [root / config.data] if config.data else []
        files += [root / case.path for case in config.cases]
        for file in files:
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    except (OSError, ModelFileError):
        return None
    return root / CACHE / f"{digest.hexdigest()}.json"
