"""Atomic file writes (a reader, or a crash, never sees a half-written report), and a lock."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from modelci.errors import UsageError


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
        return 0o666 & ~_umask()


# --- a set of files that is replaced as one ------------------------------------------------------

STORE = ".modelci-report"  # beside the files: one folder per write, and `current`, the one shown


def write_files_atomic(directory: Path, files: dict[str, str]) -> None:
    """Write `files` (name -> text) into `directory` so a reader never sees a mix of two writes.

    Each write goes to a fresh folder under `directory/.modelci-report/`; one atomic rename of the
    symlink `current` then switches every file at once, and `directory/<name>` is a symlink to
    `.modelci-report/current/<name>`. A reader that opened a file before the switch still reads
    the complete older version. Where symlinks are not available, each file is replaced on its
    own (atomically, but a pair can then briefly mix).
    """
    store = directory / STORE
    store.mkdir(parents=True, exist_ok=True)
    run = Path(tempfile.mkdtemp(prefix="run-", dir=store))
    try:
        for name, text in files.items():
            (run / name).write_text(text, encoding="utf-8", newline="\n")
            (run / name).chmod(_file_mode(directory / name))
        run.chmod(0o755 & ~_umask())  # mkdtemp makes it private; reports are for readers
        _replace_symlink(store / "current", run.name)
    except BaseException as error:
        _remove_tree(run)  # not switched to: the previous files stay as they were
        if not _no_symlinks(error):
            raise
        for name, text in files.items():
            write_text_atomic(directory / name, text)
        return
    for name in files:
        target = f"{STORE}/current/{name}"
        link = directory / name
        if not (link.is_symlink() and str(link.readlink()) == target):
            _replace_symlink(link, target)  # once: later writes only switch `current`
    for old in store.glob("run-*"):
        if old.name != run.name:
            _remove_tree(old)


def _replace_symlink(link: Path, target: str) -> None:
    temp = link.with_name(f".{link.name}.{secrets.token_hex(8)}.tmp")
    temp.symlink_to(target)
    try:
        temp.replace(link)  # rename(2): atomic, and it replaces a link or a plain file alike
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _no_symlinks(error: BaseException) -> bool:
    import errno

    return isinstance(error, NotImplementedError) or getattr(error, "errno", None) in (
        errno.EPERM,
        errno.ENOTSUP,
        errno.EOPNOTSUPP,
    )


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# --- one process at a time -----------------------------------------------------------------------


@contextlib.contextmanager
def exclusive_lock(path: Path, *, purpose: str) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed), or raise UsageError at once.

    flock(2) rather than a lock library: the kernel drops the lock when its process ends, so a
    crashed run never leaves a lock that blocks, and the file keeps the holder's process id
    (a library that truncates the file on every attempt would erase it) for the error message.
    """
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise UsageError(
                f"{purpose} is already running here (process {holder}; lock file {path})",
                hint="wait for it to finish, or stop that process; the lock is released when it "
                "ends",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
