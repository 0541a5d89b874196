"""Atomic file writes: a reader (or a crash) never sees a half-written report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(temp).chmod(_file_mode(path))  # mkstemp creates 0600; give the usual mode
        Path(temp).replace(path)  # atomic within the directory
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, or what a new file gets under the current umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
