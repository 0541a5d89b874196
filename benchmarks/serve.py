"""`modelci serve` beside MLServer's scikit-learn runtime, serving the same model, in one run.

Both servers get the verified workspace model (models/model.skops; run `dvc repro` first): ours
loads it through modelci.modelfile, MLServer 1.7.1 + mlserver-sklearn 1.7.1 (in their own virtual
environment, benchmarks/.venvs/mlserver, created here when missing) gets the same fitted pipeline
exported to joblib, with `parallel_workers: 0` (its worker pool fails to start here). Both run
with OMP_NUM_THREADS=1 (OpenMP threads spin-wait on two shared cores; see runtime.py).

Load comes from wrk (Debian's `wrk`, a separate process, on 127.0.0.1) with a Lua script that
POSTs one OIP v2 body: one [n, 1] tensor per column, as MLServer's pandas codec sends it, rows
drawn from the held-out test set. Measured: throughput, p50 and p99 at concurrency 1 and 16,
1-row and 100-row requests; time from process start to ready. Before timing, each server's
scores for the same rows are compared with the model's predict_proba.

Also measured, for the README's choices: the ASGI server under the same app (granian, which
`modelci serve` runs; uvicorn with uvloop and httptools, uvicorn with asyncio and h11, and
hypercorn, installed with pip into benchmarks/.venvs/asgi-peers), the batching settings, and
the schema checks per call (Pandera's validate against the compiled checks).

    python benchmarks/serve.py [--duration 8] [--skip-mlserver] [--skip-stacks]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "benchmarks" / ".venvs"
MLSERVER_VENV = VENVS / "mlserver"
PEERS = VENVS / "asgi-peers"
MLSERVER = ("mlserver==1.7.1", "mlserver-sklearn==1.7.1")
PEER_PACKAGES = ("uvicorn==0.55.0", "httptools==0.9.0", "hypercorn==0.18.0")
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("{body}", "rb")
wrk.body = f:read("*a")
f:close()
"""


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oip_body(rows: pd.DataFrame, features: list[str], *, proba_output: bool) -> dict[str, Any]:
    inputs = []
    for name in features:
        column = rows[name]
        if column.dtype.kind in "if":
            datatype = "INT64" if column.dtype.kind == "i" else "FP64"
            tensor = {"name": name, "shape": [len(rows), 1], "datatype": datatype}
        else:
            tensor = {
                "name": name,
                "shape": [len(rows), 1],
                "datatype": "BYTES",
                "parameters": {"content_type": "str"},
            }
        inputs.append({**tensor, "data": column.tolist()})
    body: dict[str, Any] = {"inputs": inputs, "parameters": {"content_type": "pd"}}
    if proba_output:  # MLServer's sklearn runtime answers `predict` unless asked
        body["outputs"] = [{"name": "predict_proba"}]
    return body


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before it was ready")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{url} not ready within {timeout} s")


@contextmanager
def running(command: list[str], ready_url: str, env: dict[str, str], cwd: Path) -> Iterator[float]:
    with tempfile.NamedTemporaryFile(prefix="serve-bench-", suffix=".log") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
        try:
            wait_ready(ready_url, process)
            yield time.perf_counter() - started
        except SystemExit:
            print(Path(log.name).read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, body: Path, connections: int, duration: float) -> Load:
    script = body.with_suffix(".lua")
    script.write_text(LUA.format(body=body))
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{round(duration)}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        return float(match.group(1)) * _UNITS[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    assert rps, out
    failed = int(bad.group(1)) if bad else 0
    return Load(
        float(rps.group(1)),
        latency("50"),
        latency("99"),
        failed + (int(errors.group(1)) if errors else 0),
    )


def scores_of(answer: dict[str, Any]) -> np.ndarray:
    output = answer["outputs"][0]
    data = np.asarray(output["data"], dtype=np.float64)
    if output["name"] == "predict_proba":
        return data.reshape(output["shape"])[:, 1]
    return data


def check_scores(url: str, body: dict[str, Any], expected: np.ndarray, who: str) -> None:
    got = scores_of(requests.post(url, json=body, timeout=30).json())
    if not np.array_equal(got, expected):
        raise SystemExit(f"{who}'s scores differ from predict_proba: {got[:3]} vs {expected[:3]}")


def load_model() -> tuple[Any, list[str], pd.DataFrame]:
    from modelci.modelfile import load_workspace_model

    loaded = load_workspace_model(ROOT)
    test = pd.read_parquet(ROOT / "data" / "test.parquet")
    return loaded.model, loaded.features, test


def ensure_venv(path: Path, packages: tuple[str, ...]) -> None:
    if (path / "bin" / "python").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, *packages, "scikit-learn==" + sklearn_version()], check=True)


def ensure_peers() -> None:
    if PEERS.exists():
        return
    pip = [sys.executable, "-m", "pip", "install", "-q", "--target", str(PEERS)]
    subprocess.run([*pip, *PEER_PACKAGES], check=True)


def sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def mlserver_dir(model: Any, work: Path, port: int) -> Path:
    import joblib

    folder = work / "mlserver"
    (folder / "fraud").mkdir(parents=True)
    joblib.dump(model, folder / "fraud" / "model.joblib")
    settings = {
        "parallel_workers": 0,
        "http_port": port,
        "grpc_port": free_port(),
        "metrics_port": free_port(),
        "host": "127.0.0.1",
    }
    (folder / "settings.json").write_text(json.dumps(settings))
    model_settings = {
        "name": "fraud",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "v1"},
    }
    (folder / "fraud" / "model-settings.json").write_text(json.dumps(model_settings))
    return folder


def measure_server(
    label: str,
    command: list[str],
    base: str,
    infer: str,
    env: dict[str, str],
    bodies: dict[int, Path],
    sample: tuple[dict[str, Any], np.ndarray],
    duration: float,
    cwd: Path,
    grid: tuple[tuple[int, int], ...],
) -> dict[tuple[int, int], Load | float]:
    results: dict[tuple[int, int], Load | float] = {}
    with running(command, base + "/v2/health/ready", env, cwd) as startup:
        results[(0, 0)] = startup
        check_scores(base + infer, sample[0], sample[1], label)
        for rows, connections in grid:
            results[(rows, connections)] = wrk(base + infer, bodies[rows], connections, duration)
            print(
                f"  {label} {rows}x{connections}: {results[(rows, connections)]}", file=sys.stderr
            )
    return results


def schema_check_costs() -> list[tuple[str, float, float]]:
    """Milliseconds per call: Pandera's validate on a frame against the compiled checks."""
    from modelci.serving.schema import compile_schema
    from modelci.validation import load_schema

    schema = load_schema("schemas/transactions.yaml", base_dir=ROOT)
    _, features, test = load_model()
    compiled = compile_schema(schema, features)
    sub = schema.select_columns(features) if hasattr(schema, "select_columns") else schema
    out = []
    for rows in (1, 16, 100):
        frame = test[features].iloc[:rows]
        values = {name: frame[name].tolist() for name in features}
        t_pandera = _per_call(lambda f=frame: sub.validate(f, lazy=True))
        t_ours = _per_call(lambda v=values: compiled.check_batch(v))
        out.append((f"{rows} row(s)", t_pandera, t_ours))
    return out


def _per_call(call: Any, repeat: int = 200) -> float:
    call()
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - started) / repeat * 1000


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" ---: " for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--skip-mlserver", action="store_true")
    parser.add_argument("--skip-stacks", action="store_true")
    parser.add_argument(
        "--parts", default="main,batching,stacks,schema", help="comma-separated parts to run"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk on PATH (apt-get install wrk)")
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    model, features, test = load_model()
    sample_rows = test.iloc[:100]
    expected = np.asarray(model.predict_proba(sample_rows[features])[:, 1])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    grid = ((1, 1), (1, 16), (100, 1), (100, 16))
    with tempfile.TemporaryDirectory(prefix="modelci-serve-bench-") as tmp:
        work = Path(tmp)
        bodies: dict[str, dict[int, Path]] = {"ours": {}, "mlserver": {}}
        for who in bodies:
            for rows in (1, 100):
                path = work / f"{who}-{rows}.json"
                path.write_text(
                    json.dumps(
                        oip_body(
                            test.iloc[1000 : 1000 + rows], features, proba_output=who == "mlserver"
                        )
                    )
                )
                bodies[who][rows] = path
        ours_sample = (oip_body(sample_rows, features, proba_output=False), expected)
        ml_sample = (oip_body(sample_rows, features, proba_output=True), expected)
        port = free_port()
        modelci = [sys.executable, "-m", "modelci", "serve", "--port", str(port)]
        results: dict[str, dict[tuple[int, int], Load | float]] = {}
        name = requests_name(modelci, port, env)
        if "main" in parts:
            print("modelci serve", file=sys.stderr)
            results["modelci serve"] = measure_server(
                "modelci",
                modelci,
                f"http://127.0.0.1:{port}",
                f"/v2/models/{name}/infer",
                env,
                bodies["ours"],
                ours_sample,
                args.duration,
                ROOT,
                grid,
            )
        if "main" in parts and not args.skip_mlserver:
            ensure_venv(MLSERVER_VENV, MLSERVER)
            ml_port = free_port()
            folder = mlserver_dir(model, work, ml_port)
            command = [str(MLSERVER_VENV / "bin" / "mlserver"), "start", str(folder)]
            print("MLServer", file=sys.stderr)
            results["MLServer 1.7.1"] = measure_server(
                "mlserver",
                command,
                f"http://127.0.0.1:{ml_port}",
                "/v2/models/fraud/infer",
                env,
                bodies["mlserver"],
                ml_sample,
                args.duration,
                folder,
                grid,
            )
        if "main" in parts:
            print(main_table(results, grid))
        infer = f"/v2/models/{name}/infer"
        single = ((1, 1), (1, 16))
        if "batching" in parts:
            print(
                variants_table("Batching", BATCHING, env, infer, bodies["ours"], ours_sample,
                               args.duration, single)
            )  # fmt: skip
        if "stacks" in parts and not args.skip_stacks:
            many = ((1, 16), (100, 16))
            print(
                variants_table("ASGI server (same app)", STACKS, stacks_env(env), infer,
                               bodies["ours"], ours_sample, args.duration, many)
            )  # fmt: skip
    if "schema" in parts:
        print(
            table(
                ["Schema checks per call", "Pandera validate (ms)", "compiled (ms)"],
                [[r, f"{a:.3f}", f"{b:.3f}"] for r, a, b in schema_check_costs()],
            )
        )
    print(f"\nload average after: {os.getloadavg()} (2 shared cores)")


def requests_name(command: list[str], port: int, env: dict[str, str]) -> str:
    """The model's name as our server reports it (a short start of its own)."""
    with running(command, f"http://127.0.0.1:{port}/v2/health/ready", env, ROOT):
        listed = requests.get(f"http://127.0.0.1:{port}/v2/models/model", timeout=5)
        if listed.status_code == 200:
            return "model"
        return str(listed.json()["error"].rsplit("`", 2)[-2])


def main_table(
    results: dict[str, dict[tuple[int, int], Any]], grid: tuple[tuple[int, int], ...]
) -> str:
    rows = []
    for rows_per, connections in grid:
        line = [f"{rows_per} row(s), concurrency {connections}"]
        for server in results.values():
            load: Load = server[(rows_per, connections)]
            line.append(
                f"{load.rps:,.0f} rps, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms"
                + (f" ({load.errors} errors)" if load.errors else "")
            )
        if len(results) == 2:
            ours, theirs = (s[(rows_per, connections)] for s in results.values())
            line.append(f"{ours.rps / theirs.rps:.1f}x rps, p99 {ours.p99_ms / theirs.p99_ms:.2f}x")
        rows.append(line)
    rows.append(
        ["start to ready", *(f"{s[(0, 0)]:.2f} s" for s in results.values())]
        + ([""] if len(results) == 2 else [])
    )
    headers = ["Load", *results] + (["ours / MLServer"] if len(results) == 2 else [])
    return table(headers, rows)


def variants_table(
    title: str,
    commands: dict[str, str],
    env: dict[str, str],
    infer: str,
    bodies: dict[int, Path],
    sample: tuple[dict[str, Any], np.ndarray],
    duration: float,
    grid: tuple[tuple[int, int], ...],
) -> str:
    """One row per command line (`python -m ...`, with {port} filled in)."""
    rows = []
    for label, line in commands.items():
        port = free_port()
        command = [sys.executable, "-m", *line.format(port=port).split()]
        base = f"http://127.0.0.1:{port}"
        measured = measure_server(
            label, command, base, infer, env, bodies, sample, duration, ROOT, grid
        )
        rows.append([label, *(_cell(measured[key]) for key in grid)])
    return table([title, *(f"{r} row(s), concurrency {c}" for r, c in grid)], rows)


BATCHING = {
    "no batching (--max-batch-rows 1)": "modelci serve --port {port} --max-batch-rows 1",
    "batch what is queued (--max-wait-ms 0)": "modelci serve --port {port} --max-wait-ms 0",
    "--max-wait-ms 2": "modelci serve --port {port} --max-wait-ms 2",
    "default (--max-wait-ms 5)": "modelci serve --port {port}",
}
_TARGET = "modelci.serving.server:create_app"
STACKS = {
    "uvicorn 0.55 + uvloop + httptools": f"uvicorn --factory {_TARGET} --no-access-log "
    "--loop uvloop --http httptools --port {port}",
    "uvicorn 0.55 + asyncio + h11": f"uvicorn --factory {_TARGET} --no-access-log --loop asyncio "
    "--http h11 --port {port}",
    "granian 2.8.7, 1 worker (chosen)": "granian --interface asgi --factory --workers 1 "
    "--port {port} " + _TARGET,
    "hypercorn 0.18.0 (uvloop)": "hypercorn --bind 127.0.0.1:{port} --worker-class uvloop "
    f"{_TARGET}()",
}


def stacks_env(env: dict[str, str]) -> dict[str, str]:
    """The environment under which another ASGI server builds the app (create_app)."""
    ensure_peers()
    settings = {"max_body_bytes": 4194304, "max_batch_rows": 256, "max_wait_ms": 5.0}
    raw = {"root": str(ROOT), "model_card": None, "metadata": None, "settings": settings}
    return {
        **env,
        "MODELCI_SERVE_SETTINGS": json.dumps(raw),
        "PYTHONPATH": f"{PEERS}{os.pathsep}{env.get('PYTHONPATH', '')}",
    }


def _cell(load: Load) -> str:
    return f"{load.rps:,.0f} rps, p99 {load.p99_ms:.1f} ms" + (
        f" ({load.errors} errors)" if load.errors else ""
    )


if __name__ == "__main__":
    main()
