"""The reference pipeline's own tests (scripts/tests, run by `modelci.tests`) stay out of
modelci's test run: `pytest` at the root collects tests/ only, and never scripts/tests."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_modelci_collects_its_own_tests_and_not_the_teams() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert config["testpaths"] == ["tests"]
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout[-2000:]
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert len(ids) > 500
    assert all(line.startswith("tests/") for line in ids)
    team = [line for line in ids if "scripts/tests" in line]
    assert team == []
