"""Where drift data comes from: a CSV or Parquet file in the workspace, or at a git revision.

A file at a revision is read through DVC's API, so a DVC-tracked file (from the cache or the
remote) and a git-tracked file are read alike.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelci.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class DataSource:
    """A data file, in the workspace (`rev` None) or as committed at a git revision."""

    path: str
    rev: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}@{self.rev}" if self.rev else self.path


def read_frame(source: DataSource, *, root: Path) -> pd.DataFrame:
    """The file as a frame; DataError (exit 4) when it is missing, of another type or unreadable."""
    import pandas as pd

    kind = _file_kind(source.path)
    blob = _read_bytes(source, root)
    try:
        if kind == "parquet":
            return pd.read_parquet(io.BytesIO(blob))
        compression = "gzip" if source.path.lower().endswith(".gz") else None
        return pd.read_csv(io.BytesIO(blob), compression=compression, low_memory=False)
    except pd.errors.EmptyDataError as error:
        raise DataError(
            f"{source.label} is empty (not even a header line)",
            file=source.path,
            hint="Write the CSV with a header line naming the columns.",
        ) from error
    except Exception as error:  # pandas and pyarrow raise many types for a corrupt file
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(
            f"cannot read {source.label}: {detail}",
            file=source.path,
            hint="Check that the file is complete and of the type its name says.",
        ) from error


def _file_kind(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith(CSV_SUFFIXES):
        return "csv"
    if lowered.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise DataError(
        f"unsupported data file type: {path}",
        file=path,
        hint="modelci drift reads CSV (.csv, .csv.gz) and Parquet (.parquet, .pq) files.",
    )


def _read_bytes(source: DataSource, root: Path) -> bytes:
    if source.rev is None:
        path = Path(source.path)
        try:
            return path.read_bytes()
        except FileNotFoundError as error:
            raise DataError(
                f"data file not found: {source.path}",
                file=source.path,
                hint="If the file is tracked by DVC, fetch it with `dvc pull` or rebuild it "
                "with `dvc repro`; otherwise check the path.",
            ) from error
        except OSError as error:
            raise DataError(
                f"cannot read {source.path}: {error.strerror or error}", file=source.path
            ) from error
    return _read_at_revision(source.path, source.rev, root)


def _read_at_revision(path: str, rev: str, root: Path) -> bytes:
    import dvc.api
    from dvc.exceptions import DvcException
    from dvc.scm import RevError

    relative = _relative_to(Path(path), root)
    try:
        with dvc.api.open(relative, repo=str(root), rev=rev, mode="rb") as handle:
            data: bytes = handle.read()
            return data
    except RevError as error:
        raise UsageError(
            f"revision `{rev}` not found in {root}",
            hint="Name a commit, branch or tag that exists (fetch it first); in GitHub Actions "
            "check out with `fetch-depth: 0`.",
        ) from error
    except (DvcException, OSError) as error:
        raise DataError(
            f"cannot read {relative} at revision {rev}: {str(error) or type(error).__name__}",
            file=path,
            hint="Check that the file was committed (or tracked by DVC) at that revision; a "
            "DVC-tracked file also needs its data in the cache or a remote.",
        ) from error


def _relative_to(path: Path, root: Path) -> str:
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as error:
        raise UsageError(
            f"{path} is outside the repository at {root}",
            hint="Data at a revision must be a file inside the repository.",
        ) from error


def repository_root(start: Path) -> Path:
    """The DVC repository that holds `start` (for reading files at a revision)."""
    from dvc.exceptions import NotDvcRepoError
    from dvc.repo import Repo

    try:
        return Path(Repo.find_root(str(start)))
    except NotDvcRepoError as error:
        raise UsageError(
            f"{start} is not inside a DVC repository, so data cannot be read at a revision",
            hint="Run `dvc init` at the repository root, or compare two files with --reference.",
        ) from error
