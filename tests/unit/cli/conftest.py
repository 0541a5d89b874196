"""A real, empty git + DVC project (a `modelci:` section and no stage), for exit-code tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.tools import GIT_IDENTITY


def _run(root: Path, *args: str) -> None:
    env = {**os.environ, **GIT_IDENTITY, "DVC_NO_ANALYTICS": "1"}
    subprocess.run(list(args), cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _run(root, "git", "init", "-q", "-b", "main")
    _run(root, sys.executable, "-m", "dvc", "init", "-q")
    (root / "params.yaml").write_text("modelci: {}\n")
    _run(root, "git", "add", "-A")
    _run(root, "git", "commit", "-q", "-m", "init")
    return root


@pytest.fixture
def regular_file(tmp_path: Path) -> Path:
    """A plain file: an --output-dir under it cannot be created (a crash, so far)."""
    path = tmp_path / "a-file"
    path.write_text("not a directory\n")
    return path
