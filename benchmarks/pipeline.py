"""Benchmark: the reference pipeline's wall time, and what `modelci check` adds to `dvc repro`.

In a temporary git + DVC repository holding a copy of the reference pipeline, times:

  dvc repro (from scratch)    every stage runs: the issue's goal is under 60 s on 2 cores
  dvc repro (nothing changed) DVC's own cost of finding that nothing changed
  modelci check (no change)   the whole verdict: validation, repro, diffs, gates, report (goal:
                              at most 1.5x the no-change `dvc repro`); first in a fresh clone
  modelci check (again)       the same once more: unchanged data keeps its remembered verdict
  modelci check (retrain)     after a train param changes: train + evaluate rerun
  ... with the team's tests   the no-change check again, now running `modelci.tests` too

The ratio compares what modelci itself does (validation, repro, diffs, intervals, slices,
behaviour checks, report) with `dvc repro`: the team's own test command is the team's cost, which
any peer runs as a step of its own, so the copy runs without `modelci.tests` first and the last
line shows the check with it.

and prints them side by side with plain `dvc repro`, the peer a check wraps.

    python benchmarks/pipeline.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ["dvc.yaml", "params.yaml", "scripts", "schemas"]
GOAL_SECONDS = 60.0
GOAL_RATIO = 1.5  # modelci check with nothing changed, against plain `dvc repro`


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Stages call `python` and `modelci`: make them this interpreter's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com")
    env.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    env.pop("GITHUB_ACTIONS", None)
    return env


def _run(repo: Path, *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=repo, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):  # 1: a gate failed, still a finished check
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return seconds


def _team_tests(repo: Path, section: object | None) -> object | None:
    """Set (or, with None, drop) `modelci.tests` in params.yaml; return what was there."""
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    before = params["modelci"].pop("tests", None)
    if section is not None:
        params["modelci"]["tests"] = section
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return before


def _fresh_repo(workdir: Path) -> Path:
    repo = workdir / "repo"
    repo.mkdir()
    for name in PIPELINE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    _run(repo, "git", "init", "-q", "-b", "main")
    _run(repo, sys.executable, "-m", "dvc", "init", "-q")
    _team_tests(repo, None)
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "commit", "-q", "-m", "pipeline")
    return repo


def _set_train_param(repo: Path, name: str, value: object) -> None:
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params["train"][name] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def measure(repeat: int) -> dict[str, float]:
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, float("inf")), seconds)

    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="modelci-bench-") as workdir:
            repo = _fresh_repo(Path(workdir))
            keep("dvc repro (from scratch)", _run(repo, sys.executable, "-m", "dvc", "repro"))
            _run(repo, "git", "add", "-A")
            _run(repo, "git", "commit", "-q", "-m", "trained")
            keep("dvc repro (nothing changed)", _run(repo, sys.executable, "-m", "dvc", "repro"))
            check = [sys.executable, "-m", "modelci", "check", "--base", "HEAD", "--format", "none"]
            keep("modelci check (no change)", _run(repo, *check))
            # The same again: the data's verdict is now remembered (.dvc/tmp), as in a local loop.
            keep("modelci check (again)", _run(repo, *check))
            tests = yaml.safe_load((ROOT / "params.yaml").read_text())["modelci"].get("tests")
            _team_tests(repo, tests)
            keep("... with the team's tests", _run(repo, *check))
            _team_tests(repo, None)
            _set_train_param(repo, "n_estimators", 120)
            keep("modelci check (retrain)", _run(repo, *check))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best counts")
    args = parser.parse_args()
    results = measure(max(1, args.repeat))
    print(f"{'step':<30} {'seconds':>8}")
    print("-" * 39)
    for name, seconds in results.items():
        print(f"{name:<30} {seconds:>8.2f}")
    scratch = results["dvc repro (from scratch)"]
    verdict = "met" if scratch < GOAL_SECONDS else "NOT met"
    print(f"\ngoal: the whole pipeline in under {GOAL_SECONDS:.0f} s on 2 cores: {verdict}")
    plain = results["dvc repro (nothing changed)"]
    for name in ("modelci check (no change)", "modelci check (again)"):
        ratio = results[name] / plain
        verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
        print(
            f"{name} / dvc repro (nothing changed): {results[name]:.2f} s / {plain:.2f} s = "
            f"{ratio:.2f}x (goal: at most {GOAL_RATIO}x): {verdict}"
        )


if __name__ == "__main__":
    main()
