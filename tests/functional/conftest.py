"""Real git + DVC repositories in temp folders, with a base and a head commit.

The mini project is a one-stage DVC pipeline whose "model quality" is a param, so a test can move
F1 up or down with one edit, and whose input data is a git-tracked CSV validated by a Pandera schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

REPORT_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).resolve().parents[2] / "docs/report.schema.json").read_text())
)

TRAIN = """\
import json, pathlib, sys
import pandas as pd
import yaml

params = yaml.safe_load(open("params.yaml"))["train"]
rows = len(pd.read_csv("data/points.csv"))
quality = params["quality"]
out = pathlib.Path("eval")
out.mkdir(exist_ok=True)
if params.get("write_metrics", True):
    json.dump(
        {"f1": quality, "roc_auc": round(quality + 0.03, 4), "details": {"rows": rows, "model": "toy"}},
        open(out / "metrics.json", "w"),
    )
json.dump(
    [{"recall": r / 10, "precision": round(1 - r / 20 * (1 - quality), 4)} for r in range(11)],
    open(out / "pr.json", "w"),
)
if params.get("crash"):
    sys.exit("training crashed: out of memory (simulated)")
"""


def schema_yaml() -> str:
    import pandera.pandas as pa

    schema = pa.DataFrameSchema(
        {
            "x": pa.Column(float, [pa.Check.ge(0), pa.Check.le(1)], nullable=False),
            "count": pa.Column(int, pa.Check.ge(0), nullable=False),
            "color": pa.Column(str, pa.Check.isin(["red", "green", "blue"]), nullable=False),
            "label": pa.Column(int, pa.Check.isin([0, 1]), nullable=False),
        },
        coerce=True,
        strict=True,
    )
    return str(schema.to_yaml())


GOOD_ROWS = [
    {"x": round(i / 40, 3), "count": i, "color": ["red", "green", "blue"][i % 3], "label": i % 2}
    for i in range(40)
]


@dataclass
class MiniProject:
    root: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), cwd=self.root, capture_output=True, text=True, check=check, env=_env()
        )

    def git(self, *args: str) -> str:
        return self.run("git", *args).stdout.strip()

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def write_rows(self, rows: list[dict[str, object]], columns: list[str] | None = None) -> None:
        columns = columns or ["x", "count", "color", "label"]
        lines = [",".join(columns)]
        lines += [
            ",".join("" if r.get(c) is None else str(r.get(c)) for c in columns) for r in rows
        ]
        self.write("data/points.csv", "\n".join(lines) + "\n")

    def params(self) -> dict[str, object]:
        return yaml.safe_load((self.root / "params.yaml").read_text())

    def set_params(self, **train: object) -> None:
        params = self.params()
        params["train"].update(train)  # type: ignore[attr-defined]
        self.write("params.yaml", yaml.safe_dump(params, sort_keys=False))

    def set_modelci(self, section: dict[str, object]) -> None:
        params = self.params()
        params["modelci"] = section
        self.write("params.yaml", yaml.safe_dump(params, sort_keys=False))

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def repro(self) -> None:
        self.run(sys.executable, "-m", "dvc", "repro", "-q")

    def report(self) -> dict[str, object]:
        """report.json, checked against its published JSON Schema (docs/report.schema.json)."""
        data = json.loads((self.root / "report.json").read_text())
        REPORT_SCHEMA.validate(data)
        return data  # type: ignore[no-any-return]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        DVC_NO_ANALYTICS="1",
    )
    # Stages call `python`: make it this interpreter, whatever PATH says.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("GITHUB_ACTIONS", None)
    return env


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def make_project(root: Path) -> MiniProject:
    project = MiniProject(root)
    root.mkdir(parents=True, exist_ok=True)
    project.run("git", "init", "-q", "-b", "main")
    project.run(sys.executable, "-m", "dvc", "init", "-q")
    project.run(sys.executable, "-m", "dvc", "config", "core.analytics", "false")
    project.write("train.py", TRAIN)
    project.write("schemas/points.yaml", schema_yaml())
    project.write_rows(GOOD_ROWS)
    project.write(
        "dvc.yaml",
        textwrap.dedent(
            """\
            stages:
              train:
                cmd: python train.py
                deps: [train.py, data/points.csv]
                params: [train]
                metrics:
                  - eval/metrics.json:
                      cache: false
                plots:
                  - eval/pr.json:
                      cache: false
                      x: recall
                      y: precision
            """
        ),
    )
    project.write(
        "params.yaml",
        textwrap.dedent(
            """\
            train:
              quality: 0.95
              depth: 3
            modelci:
              data:
                - name: points
                  path: data/points.csv
                  schema: schemas/points.yaml
              gates:
                - metric: f1
                  threshold: 0.9
                  max_regression: 0.02
                - metric: roc_auc
                  max_regression: "2%"
              report:
                title: Toy model
                plots:
                  - path: eval/pr.json
                    x: recall
                    y: precision
                    title: PR curve
            """
        ),
    )
    project.write(".gitignore", "report.md\nreport.json\n")
    return project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[MiniProject]:
    """A project whose base commit holds a reproduced pipeline (dvc.lock and metrics)."""
    p = make_project(tmp_path / "repo")
    p.repro()
    p.commit("base: trained model")
    yield p


@pytest.fixture
def fresh_project(tmp_path: Path) -> MiniProject:
    """A project with a single commit and no pipeline run yet (a first run)."""
    p = make_project(tmp_path / "repo")
    p.commit("initial")
    return p
