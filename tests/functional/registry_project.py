"""A real git + DVC project with a model artifact, a bare remote and clones, for registry tests.

The mini project's train stage writes a "model" file and the metadata beside it (SHA-256, format
and the training environment, as the reference train stage records them), and its metrics; the
model is declared in dvc.yaml `artifacts:`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.functional.conftest import MiniProject, _env, make_project

MODEL = "toy-model"

TRAIN_MODEL = """\
import hashlib, json, pathlib, platform
import yaml

params = yaml.safe_load(open("params.yaml"))["train"]
blob = f"model quality={params['quality']} depth={params['depth']}".encode()
pathlib.Path("models").mkdir(exist_ok=True)
pathlib.Path("models/model.pkl").write_bytes(blob)
json.dump(
    {
        "sha256": hashlib.sha256(blob).hexdigest(),
        "format": "pickle",
        "environment": {"python": platform.python_version(), "packages": {"pyyaml": yaml.__version__}},
    },
    open("models/model.json", "w"),
)
"""


def make_registry_project(root: Path) -> MiniProject:
    """A project whose HEAD holds a reproduced, passing pipeline with a model artifact."""
    project = make_project(root)
    project.write("train_model.py", TRAIN_MODEL)
    dvc = yaml.safe_load((project.root / "dvc.yaml").read_text())
    dvc["stages"]["model"] = {
        "cmd": "python train_model.py",
        "deps": ["train_model.py", "data/points.csv"],
        "params": ["train"],
        "outs": ["models/model.pkl", {"models/model.json": {"cache": False}}],
    }
    dvc["artifacts"] = {MODEL: {"path": "models/model.pkl", "type": "model"}}
    project.write("dvc.yaml", yaml.safe_dump(dvc, sort_keys=False))
    # What a check and a registration write beside the code (the reference repository ignores
    # the same files).
    project.write(
        ".gitignore", "report.md\nreport.json\n.modelci-report/\nmodel-card.json\nmodel-card.md\n"
    )
    project.repro()
    project.commit("trained model")
    return project


def registry(project: MiniProject, *args: str) -> subprocess.CompletedProcess[str]:
    """`modelci registry ARGS` in the project, as a real process."""
    return project.run(sys.executable, "-m", "modelci", "registry", *args, check=False)


def modelci(project: MiniProject, *args: str) -> subprocess.CompletedProcess[str]:
    return project.run(sys.executable, "-m", "modelci", *args, check=False)


def bare_remote(project: MiniProject, path: Path) -> Path:
    """A bare repository holding the project's branch, set as its `origin`."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True, env=_env())
    project.git("remote", "add", "origin", str(path))
    project.git("push", "-q", "origin", "main")
    return path


def clone(remote: Path, path: Path) -> MiniProject:
    """A clone with the pipeline's outputs reproduced (DVC-cached outputs are not in git)."""
    subprocess.run(["git", "clone", "-q", str(remote), str(path)], check=True, env=_env())
    project = MiniProject(path)
    project.repro()  # restores models/model.pkl; dvc.lock stays as committed
    return project


def card_of(project: MiniProject, reference: str) -> dict[str, object]:
    result = registry(project, "card", reference)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]
