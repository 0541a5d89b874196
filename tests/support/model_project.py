"""A small registered-model repository for the packaging tests: git, a model file, its card."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import subprocess
from pathlib import Path
from typing import Any

from tests.support.tools import GIT_IDENTITY

REMOTE = "git@github.com:octo-org/model-repo.git"


def git(root: Path, *args: str) -> str:
    run = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_IDENTITY},
    )
    return run.stdout.strip()


def make_project(root: Path, **card_fields: Any) -> Path:
    """A git repository with models/model.pkl (a real fitted model) and model-card.json."""
    from sklearn.linear_model import LogisticRegression

    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", REMOTE)
    (root / "models").mkdir()
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    (root / "models" / "model.pkl").write_bytes(pickle.dumps(model))
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Train the model")
    sha = hashlib.sha256((root / "models" / "model.pkl").read_bytes()).hexdigest()
    card = {
        "name": "fraud",
        "version": "v1.2.0",
        "git": {"commit": git(root, "rev-parse", "HEAD")},
        "model": {"path": "models/model.pkl", "sha256": sha},
        "environment": {"python": platform.python_version()},
        **card_fields,
    }
    path = root / "model-card.json"
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return path
