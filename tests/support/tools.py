"""Test prerequisites, decided in one place: a missing part skips locally and fails in CI.

CI runs with CI=true, where a skipped end-to-end or static check would hide a missing install
step; so every test that needs an outside tool or a full git history asks here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "pip install -e '.[dev,reference]' / npm ci"
# Who commits in the git repositories tests build (none depends on the developer's git config).
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Mona Lisa",
    "GIT_AUTHOR_EMAIL": "mona@example.com",
    "GIT_COMMITTER_NAME": "Mona Lisa",
    "GIT_COMMITTER_EMAIL": "mona@example.com",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the calling test locally; fail it in CI (CI=true), where nothing may be skipped."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: never skipped)")
    pytest.skip(reason)


def require_tool(name: str, path: str | None = None) -> str:
    """The tool's path (`path` if it exists, else from PATH), or skip_or_fail."""
    found = path if path and Path(path).exists() else shutil.which(name)
    if found:
        return found
    skip_or_fail(f"{name} is not installed ({INSTALL_HINT})")


def require_git_history() -> None:
    """Tests that read older commits of this repository need a full clone."""
    if not (ROOT / ".git").exists():
        skip_or_fail("not a git checkout")
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if shallow.stdout.strip() == "true":
        skip_or_fail("shallow clone: older commits are not here (clone with full history)")


def check_schemastore(schema: str, path: Path) -> None:
    """Validate `path` with check-jsonschema's vendored SchemaStore `schema` (offline)."""
    tool = require_tool("check-jsonschema")
    run = subprocess.run(
        [tool, "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
