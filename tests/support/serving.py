"""A served reference model for tests: the reference pipeline's own stages (generate, split,
train) on a smaller set of transactions, in a temp folder, and `modelci serve` as a real process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import requests
import yaml

from modelci.modelfile import load_workspace_model
from tests.support.scripts import load_script

REPO = Path(__file__).resolve().parents[2]
N_ROWS = 12_000


@dataclass(frozen=True)
class ReferenceProject:
    root: Path
    test: pd.DataFrame  # held-out rows, never trained on
    features: list[str]
    model: Any  # the trained pipeline, loaded in the test process


def build_reference_project(root: Path) -> ReferenceProject:
    """params.yaml, the schema and a trained models/model.skops + model.json, as `dvc repro`
    leaves them (no git or DVC needed to serve)."""
    generate, split, train = (load_script(n) for n in ("generate", "split", "train"))
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    (root / "schemas").mkdir(parents=True)
    shutil.copy(REPO / "schemas/transactions.yaml", root / "schemas/transactions.yaml")
    section = {
        "data": [{"path": "data/transactions.csv", "schema": "schemas/transactions.yaml"}],
        "gates": [{"metric": "f1", "threshold": 0.5}],
        "predictions": {"path": "eval/predictions.parquet", "threshold": 0.5},
    }
    (root / "params.yaml").write_text(
        yaml.safe_dump({"train": params["train"], "modelci": section})
    )
    frame = generate.generate_transactions(N_ROWS, seed=7)
    train_rows, test_rows = split.split(frame, 0.2, 7)
    (root / "models").mkdir()
    train.train(
        train_rows, params["train"], root / "models/model.skops", root / "models/model.json"
    )
    loaded = load_workspace_model(root)
    return ReferenceProject(root, test_rows.reset_index(drop=True), loaded.features, loaded.model)


def write_card(
    folder: Path, model: Path, record: Path, schema: Path, *, name: str, version: str
) -> Path:
    """A serving model card in `folder` (what `modelci serve --model-card` reads), with copies of
    the model file and the schema beside it; `record` is training's model.json."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, folder / "model.skops")
    shutil.copy(schema, folder / "schema.yaml")
    recorded = json.loads(record.read_text())
    card = {
        "name": name,
        "version": version,
        "features": recorded["features"],
        "model": {
            "path": "model.skops",
            "sha256": recorded["sha256"],
            "format": "skops",
            "trusted_types": recorded["trusted_types"],
        },
        "schema": {
            "path": "schema.yaml",
            "sha256": hashlib.sha256((folder / "schema.yaml").read_bytes()).hexdigest(),
        },
    }
    (folder / "model-card.json").write_text(json.dumps(card, indent=2))
    return folder / "model-card.json"


@dataclass
class Server:
    """`modelci serve` running in its own process; its JSON log lines are in `log`."""

    process: subprocess.Popen[bytes]
    log: Path
    port: int = 0
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self.url + path, timeout=30, **kwargs)

    def events(self) -> list[dict[str, Any]]:
        return [
            json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")
        ]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def modelci_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "modelci", *args]


def start_server(root: Path, *args: str, log: Path | None = None, wait: float = 60) -> Server:
    """Start `modelci serve --port 0 ARGS` in `root`; return once /v2/health/ready answers 200."""
    log = log or root / f"serve-{time.monotonic_ns()}.log"
    handle = log.open("wb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        modelci_command("serve", "--port", "0", *args), cwd=root, stdout=handle, stderr=handle,
        env=env,
    )  # fmt: skip
    server = Server(process, log)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text()}")
        listening = [e for e in server.events() if e.get("event") == "listening"]
        if listening:
            server.port = int(listening[0]["port"])
            try:
                if server.get("/v2/health/ready").status_code == 200:
                    return server
            except requests.ConnectionError:
                pass
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"the server was not ready within {wait} s:\n{log.read_text()}")


def column_tensors(rows: pd.DataFrame, features: list[str]) -> dict[str, Any]:
    """An OIP v2 request as MLServer's pandas codec sends it: one [n, 1] tensor per column."""
    datatypes = {"i": "INT64", "f": "FP64", "O": "BYTES"}
    inputs = []
    for name in features:
        values = rows[name]
        kind = values.dtype.kind if values.dtype.kind in "if" else "O"
        inputs.append(
            {
                "name": name,
                "shape": [len(rows), 1],
                "datatype": datatypes[kind],
                "data": values.tolist(),
            }
        )
    return {"inputs": inputs}


def score_one_by_one(url: str, records: list[dict[str, Any]], threads: int) -> list[float]:
    """POST each record alone to /predict from `threads` concurrent clients; the scores, in order."""
    from concurrent.futures import ThreadPoolExecutor

    def one(record: dict[str, Any]) -> float:
        answer = requests.post(url + "/predict", json=[record], timeout=30)
        assert answer.status_code == 200, answer.text
        return float(answer.json()["scores"][0])

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, records))
