"""A project for the canary rollout tests: the reference model served from model cards, a second,
genuinely different model, a git registry holding their versions, and held-out rows to replay.

    cards/v1.2.0/   the reference model                      (in stage `production`)
    cards/v1.3.0/   the same model file, a new version        (a healthy canary)
    cards/v1.4.0/   a weaker model with fraud weighted up: it scores higher (shifted)

Each card folder holds `model-card.json` (what `modelci serve --model-card` reads: paths, SHA-256
of the model and of the schema), the model file and the schema. Each version is also registered
with its model card in the registration tag, as `modelci registry register` does, so
`modelci rollout run` can serve it from the registry alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from modelci import __version__
from modelci.registry.card import CheckInfo, DataSchema, GitInfo, ModelCard, ModelFile, utc_now
from modelci.registry.operations import register_version
from tests.support.scripts import load_script
from tests.support.serving import N_ROWS, REPO, build_reference_project, write_card
from tests.support.tools import GIT_IDENTITY

MODEL = "fraud-detector"
STABLE, HEALTHY, SHIFTED = "v1.2.0", "v1.3.0", "v1.4.0"
FAULTY = Path(__file__).with_name("faulty_serve.py")


@dataclass(frozen=True)
class CanaryProject:
    root: Path
    bodies: tuple[bytes, ...]  # one held-out row per /predict request body

    def card(self, version: str) -> Path:
        return self.root / "cards" / version / "model-card.json"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), cwd=self.root, env=git_env(), capture_output=True, text=True, check=check
        )


def git_env() -> dict[str, str]:
    return {**os.environ, **GIT_IDENTITY, "PYTHONUNBUFFERED": "1"}


def build_canary_project(root: Path, rollout: dict[str, object]) -> CanaryProject:
    """The project in `root`, with `rollout` as its `modelci.rollout` section."""
    reference = build_reference_project(root)
    params_path = root / "params.yaml"
    params = yaml.safe_load(params_path.read_text())
    params["modelci"]["rollout"] = rollout
    params_path.write_text(yaml.safe_dump(params))
    _shifted_model(root, params["train"])
    project = CanaryProject(root, _bodies(reference.test, reference.features))
    project.run("git", "init", "-q", "-b", "main")
    project.run(sys.executable, "-m", "dvc", "init", "-q")
    for key, value in (("user.name", "Canary Test"), ("user.email", "canary@example.com")):
        project.run("git", "config", key, value)  # the registry's tags are made in this process
    for version, model in ((STABLE, "model"), (HEALTHY, "model"), (SHIFTED, "shifted")):
        _card(root, version, model)
        project.run("git", "add", "-A")
        project.run("git", "commit", "-q", "-m", f"{MODEL} {version}")
        commit = project.run("git", "rev-parse", "HEAD").stdout.strip()
        register_version(root, MODEL, commit, version, _registry_card(root, version, model, commit),
                         push=False)  # fmt: skip
    project.run("gto", "assign", MODEL, "--version", STABLE, "--stage", "production")
    return project


def _registry_card(root: Path, version: str, model: str, commit: str) -> ModelCard:
    """The card a registration tag carries, as `modelci registry register` writes it; the
    model file and its metadata are committed in git here (in the reference, DVC caches it)."""
    record = json.loads((root / f"models/{model}.json").read_text())
    schema = (REPO / "schemas/transactions.yaml").read_text()
    return ModelCard(
        name=MODEL, version=version, created_at=utc_now(), registration_id=uuid.uuid4().hex,
        modelci_version=__version__,
        git=GitInfo(commit=commit, subject=f"{MODEL} {version}", tag=f"{MODEL}@{version}"),
        model=ModelFile(
            path=f"models/{model}.skops", sha256=record["sha256"], format="skops",
            trusted_types=record["trusted_types"], metadata=f"models/{model}.json",
        ),
        dependencies=[], params={}, metrics=[], gates=[],
        check=CheckInfo(verdict="pass", summary="built for the canary tests", source="run"),
        schemas=[DataSchema(
            dataset="transactions", path="data/transactions.csv",
            spec="schemas/transactions.yaml", content=schema,
            sha256=hashlib.sha256(schema.encode()).hexdigest(),
        )],
        environment=None,
    )  # fmt: skip


def _shifted_model(root: Path, params: dict[str, object]) -> None:
    generate, split, train = (load_script(n) for n in ("generate", "split", "train"))
    frame = generate.generate_transactions(N_ROWS, seed=7)
    train_rows, _ = split.split(frame, 0.2, 7)
    # Few shallow trees, fraud weighted up: every score rises (mean +0.13 on held-out rows).
    shifted = {**params, "max_depth": 2, "n_estimators": 20, "class_weight": "balanced"}
    train.train(train_rows, shifted, root / "models/shifted.skops", root / "models/shifted.json")


def _card(root: Path, version: str, model: str) -> None:
    write_card(
        root / "cards" / version, root / f"models/{model}.skops", root / f"models/{model}.json",
        REPO / "schemas/transactions.yaml", name=MODEL, version=version,
    )  # fmt: skip


def _bodies(test: object, features: list[str]) -> tuple[bytes, ...]:
    import pandas as pd

    assert isinstance(test, pd.DataFrame)
    return tuple(
        json.dumps([record]).encode() for record in test[features].to_dict(orient="records")
    )


def faulty_command(card: Path, fault: str) -> str:
    """A `--canary-command`: `modelci serve` of `card` with `fault` injected (faulty_serve.py)."""
    return " ".join(
        [sys.executable, str(FAULTY), fault, "serve", "--host", "127.0.0.1", "--port", "{port}",
         "--model-card", str(card)]
    )  # fmt: skip
