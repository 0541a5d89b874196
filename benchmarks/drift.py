"""`modelci drift` beside Evidently's DataDriftPreset on the same 1M x 20 frames, in one run.

Builds two seeded frames with numpy (16 numeric and 4 categorical columns, a few shifted), writes
them as Parquet to a temporary directory, then, each in its own process:

- ours: imports modelci, reads both files, detects drift; times the import, the read and the
  detection, and the peak memory (tracemalloc peak during the detection, and the process's peak
  RSS) against the two frames' in-memory size;
- Evidently 0.7.23 (`Report([DataDriftPreset()])`), in its own virtual environment
  (benchmarks/.venvs/evidently, created here when missing, since Evidently needs pandas<3).

Prints both per-column verdicts side by side, the speed-up, and whether every verdict agrees.

    python benchmarks/drift.py [--rows 1000000] [--skip-evidently]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / ".venvs" / "evidently"
EVIDENTLY = "evidently==0.7.23"


def build_frames(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current: the same generators, with a few columns moved in the current."""
    rng = np.random.default_rng(seed)

    def side(shifted: bool) -> pd.DataFrame:
        s = 1.0 if shifted else 0.0
        cols: dict[str, np.ndarray] = {
            "num_00_normal_shift": rng.normal(0.5 * s, 1.0, rows),  # drifts
            "num_01_scale": rng.normal(0.0, 1.0 + 0.4 * s, rows),  # drifts
            "num_02_lognormal_shift": rng.lognormal(3.0 + 0.3 * s, 0.8, rows),  # drifts
            "num_03_slight_shift": rng.normal(0.03 * s, 1.0, rows),  # moves below threshold
            "num_04_normal": rng.normal(10.0, 3.0, rows),
            "num_05_lognormal": rng.lognormal(1.0, 1.0, rows),
            "num_06_exponential": rng.exponential(2.0, rows),
            "num_07_uniform": rng.uniform(-5.0, 5.0, rows),
            "num_08_gamma": rng.gamma(2.0, 400.0, rows).round(),
            "num_09_poisson": rng.poisson(30.0, rows).astype(np.int64),
            "num_10_beta": rng.beta(2.0, 5.0, rows),
            "num_11_rounded": rng.normal(100.0, 20.0, rows).round(2),
            "num_12_four_values": rng.choice([0.5, 1.5, 2.5, 3.5], rows, p=[0.4, 0.3, 0.2, 0.1]),
            "num_13_int_codes": rng.integers(0, 8, rows),  # <= 10 values: Evidently's categorical
            "num_14_student_t": rng.standard_t(5.0, rows),
            "num_15_with_nan": np.where(rng.random(rows) < 0.05, np.nan, rng.normal(0, 1, rows)),
        }
        letters = np.array(list("abcde"))
        p_cat = [0.1, 0.2, 0.3, 0.2, 0.2] if shifted else [0.3, 0.2, 0.2, 0.2, 0.1]
        many = np.array([f"merchant_{i:02d}" for i in range(50)])
        new = np.array([f"merchant_{i:02d}" for i in range(55)])
        cats: dict[str, np.ndarray] = {
            "cat_16_shifted": rng.choice(letters, rows, p=p_cat),  # drifts
            "cat_17_binary": rng.choice(np.array(["yes", "no"]), rows, p=[0.3, 0.7]),
            "cat_18_many": rng.choice(many, rows),
            # a few categories the reference never had
            "cat_19_new_values": rng.choice(new if shifted else many, rows),
        }
        return pd.DataFrame({**cols, **{k: v.astype(object) for k, v in cats.items()}})

    return side(False), side(True)


OURS = textwrap.dedent(
    """
    import json, sys, time, tracemalloc
    def rss(field):  # this process's own memory (ru_maxrss would count the parent's, from fork)
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    t0 = time.perf_counter()
    import pandas as pd
    from modelci.drift.detect import detect_drift
    t1 = time.perf_counter()
    rss_imported = rss("VmRSS")
    reference = pd.read_parquet(sys.argv[1]); current = pd.read_parquet(sys.argv[2])
    t2 = time.perf_counter()
    peak_read = rss("VmHWM")
    report = detect_drift(reference, current)
    t3 = time.perf_counter()
    frames = int(reference.memory_usage(deep=True).sum() + current.memory_usage(deep=True).sum())
    tracemalloc.start()
    detect_drift(reference, current)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        "import": t1 - t0, "read": t2 - t1, "detect": t3 - t2, "total": t3 - t0,
        "frames_bytes": frames, "detect_peak_bytes": peak,
        "imported_rss_bytes": rss_imported,
        "read_peak_rss_bytes": peak_read,
        "max_rss_bytes": rss("VmHWM"),
        "dataset_drift": report.dataset_drift,
        "columns": {c.column: [c.method, c.statistic, c.drifted] for c in report.columns},
    }))
    """
)

THEIRS = textwrap.dedent(
    """
    import json, sys, time
    import pandas as pd
    reference = pd.read_parquet(sys.argv[1]); current = pd.read_parquet(sys.argv[2])
    t0 = time.perf_counter()
    from evidently import Report
    from evidently.presets import DataDriftPreset
    t1 = time.perf_counter()
    result = Report([DataDriftPreset()], include_tests=True).run(current, reference).dict()
    t2 = time.perf_counter()
    scores = {m["id"]: m["value"] for m in result["metrics"]}
    columns, dataset = {}, None
    for test in result["tests"]:
        params = test["metric_config"]["params"]
        if "column" in params:
            score = scores.get(test["metric_config"]["metric_id"])
            columns[params["column"]] = [params["method"], score, test["status"] == "FAIL"]
        elif params["type"].endswith("DriftedColumnsCount"):
            dataset = test["status"] == "FAIL"
    print(json.dumps({"import": t1 - t0, "run": t2 - t1, "dataset_drift": dataset,
                      "columns": columns}))
    """
)


def evidently_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with {EVIDENTLY} (a few minutes, once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", EVIDENTLY, "pandas<3", "pyarrow"],
            check=True,
        )
    return python


def run(python: Path, code: str, *paths: Path) -> dict:
    done = subprocess.run(
        [str(python), "-c", code, *map(str, paths)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{python} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-evidently", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ref_path, cur_path = Path(tmp, "reference.parquet"), Path(tmp, "current.parquet")
        started = time.perf_counter()
        reference, current = build_frames(args.rows)
        reference.to_parquet(ref_path)
        current.to_parquet(cur_path)
        del reference, current
        print(f"built {args.rows:,} rows x 20 columns in {time.perf_counter() - started:.1f} s")
        ours = run(Path(sys.executable), OURS, ref_path, cur_path)
        theirs = (
            None if args.skip_evidently else run(evidently_python(), THEIRS, ref_path, cur_path)
        )

    mib = 2**20
    print(
        f"\nmodelci: detect {ours['detect']:.2f} s; import {ours['import']:.2f} s; "
        f"read {ours['read']:.2f} s; whole process {ours['total']:.2f} s"
    )
    print(
        f"memory: frames {ours['frames_bytes'] / mib:.0f} MiB; detection's peak allocation "
        f"{ours['detect_peak_bytes'] / mib:.0f} MiB "
        f"({ours['detect_peak_bytes'] / ours['frames_bytes']:.2f}x the frames); "
        f"process peak RSS {ours['max_rss_bytes'] / mib:.0f} MiB "
        f"(after the imports {ours['imported_rss_bytes'] / mib:.0f} MiB; peak while reading "
        f"the Parquet files {ours['read_peak_rss_bytes'] / mib:.0f} MiB)"
    )
    live = ours["frames_bytes"] + ours["detect_peak_bytes"]
    print(
        f"frames + detection's peak = {live / mib:.0f} MiB "
        f"({live / ours['frames_bytes']:.2f}x the two frames; goal: at most 2x)"
    )
    if theirs is None:
        for name, (method, statistic, drifted) in ours["columns"].items():
            print(f"  {name:24} {method:14} {statistic:10.4g} {'drift' if drifted else '-'}")
        return
    print(f"Evidently: run {theirs['run']:.1f} s; import {theirs['import']:.1f} s")
    print(
        f"speed-up: {theirs['run'] / ours['detect']:.0f}x (detection alone), "
        f"{(theirs['run'] + theirs['import']) / ours['total']:.0f}x (import, read and detection)"
    )
    print(f"\n{'column':24} {'modelci':32} {'Evidently':40} agree")
    agree = True
    for name, (method, statistic, drifted) in ours["columns"].items():
        their_method, their_score, their_drifted = theirs["columns"].get(name, ["-", None, None])
        same = drifted == their_drifted
        agree &= same
        ours_text = f"{method} {statistic:.4g} {'DRIFT' if drifted else 'ok'}"
        score = f"{their_score:.4g}" if isinstance(their_score, float) else str(their_score)
        theirs_text = f"{their_method} {score} {'DRIFT' if their_drifted else 'ok'}"
        print(f"{name:24} {ours_text:32} {theirs_text:40} {'yes' if same else 'NO'}")
    agree &= ours["dataset_drift"] == theirs["dataset_drift"]
    print(
        f"\ndataset drift: modelci {ours['dataset_drift']}, Evidently {theirs['dataset_drift']}; "
        f"every verdict agrees: {'yes' if agree else 'NO'}"
    )
    if not agree:
        sys.exit("verdicts differ from Evidently's")


if __name__ == "__main__":
    main()
