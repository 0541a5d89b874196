"""files: atomic writes, a pair of files switched as one, and the workspace lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelci.errors import ExitCode, UsageError
from modelci.files import STORE, exclusive_lock, write_files_atomic


def _pair(directory: Path) -> tuple[str, str]:
    return (directory / "a.md").read_text(), (directory / "a.json").read_text()


def test_a_pair_is_replaced_as_one(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("from an older modelci")  # a plain file is taken over

    write_files_atomic(tmp_path, {"a.json": "1", "a.md": "one"})
    write_files_atomic(tmp_path, {"a.json": "2", "a.md": "two"})

    assert _pair(tmp_path) == ("two", "2")
    assert (tmp_path / "a.md").readlink() == Path(f"{STORE}/current/a.md")
    assert len(list((tmp_path / STORE).glob("run-*"))) == 1  # older runs are removed


def test_a_failure_while_writing_keeps_the_previous_pair(tmp_path: Path) -> None:
    write_files_atomic(tmp_path, {"a.json": "1", "a.md": "one"})

    with pytest.raises(UnicodeEncodeError):  # the second file cannot be written
        write_files_atomic(tmp_path, {"a.json": "2", "a.md": "bad \udc80"})

    assert _pair(tmp_path) == ("one", "1")
    assert len(list((tmp_path / STORE).glob("run-*"))) == 1


def test_a_reader_holding_the_old_file_reads_it_whole(tmp_path: Path) -> None:
    write_files_atomic(tmp_path, {"a.json": "1", "a.md": "one"})
    with (tmp_path / "a.md").open() as held:
        write_files_atomic(tmp_path, {"a.json": "2", "a.md": "two"})
        assert held.read() == "one"
    assert _pair(tmp_path) == ("two", "2")


HOLD = """
import sys, time
from pathlib import Path
from modelci.files import exclusive_lock
with exclusive_lock(Path(sys.argv[1]), purpose="a modelci check"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_holder_is_refused_naming_the_lock_and_the_process(tmp_path: Path) -> None:
    lock = tmp_path / "tmp" / "check.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(UsageError) as refused, exclusive_lock(lock, purpose="a modelci check"):
            pass
        assert refused.value.exit_code == ExitCode.USAGE
        assert str(refused.value) == (
            f"a modelci check is already running here (process {holder.pid}; lock file {lock})"
        )
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the dead holder's lock: its stale file does not block.
    with exclusive_lock(lock, purpose="a modelci check"):
        assert lock.read_text() == f"{os.getpid()}\n"
