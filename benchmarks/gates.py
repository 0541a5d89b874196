"""Benchmark: do noise-aware gates tell a split change from a weaker model? And at what cost?

In a temporary git + DVC repository holding a copy of the reference pipeline (committed and
reproduced as the base), runs the check for

  (a) `split.seed` changed alone (another 20% of the rows as the test set: noise), per seed
  (b) `train.max_depth: 2` (a weaker model, scored on the same test rows: a real drop)

and prints F1 base/head, the change, the change's 95% interval (paired or not), and the verdict of
the f1 gate under `regression: point` and `regression: significant`. Then times the bootstrap
itself on 20,000 rows, beside scipy.stats.bootstrap's resampling alone.

    python benchmarks/gates.py [--seeds 1,2,3,4] [--resamples 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from pipeline import _env, _fresh_repo, _run

from modelci.config import Tolerance, load_config
from modelci.operations.check import CheckOptions, run_check
from modelci.report.model import Report
from modelci.rules import evaluate_gates
from modelci.stats import Predictions, bootstrap, read_predictions

ROOT = Path(__file__).resolve().parent.parent
PREDICTIONS = "eval/predictions.parquet"
# The configured max_regression (0.02), and a tighter one that split noise alone exceeds.
TOLERANCES = (0.02, 0.01)
COLUMNS = {"id_column": "row_id", "label_column": "label", "score_column": "score"}


def _set_param(repo: Path, section: str, name: str, value: object) -> None:
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params[section][name] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def _restore_base(repo: Path) -> None:
    _run(repo, "git", "checkout", "-q", "--", ".")
    _run(repo, sys.executable, "-m", "dvc", "checkout", "-q")


def _verdicts(repo: Path, report: Report) -> list[str]:
    """The f1 gate's verdicts, point then significant, at each tolerance in TOLERANCES."""
    config = load_config(repo / "params.yaml")
    (gate,) = [g for g in config.gates if g.metric == "f1"]
    verdicts = []
    for tolerance in TOLERANCES:
        for regression in ("point", "significant"):
            variant = gate.model_copy(
                update={"max_regression": Tolerance(tolerance), "regression": regression}
            )
            (result,) = evaluate_gates([variant], report.metrics, report.intervals)
            verdicts.append("pass" if result.passed else "FAIL")
    return verdicts


def _row(label: str, repo: Path, report: Report) -> str:
    f1 = next(g for g in report.gates if g.metric == "f1")
    interval = next((i for i in report.intervals if i.metric == "f1"), None)
    delta = interval.delta if interval else None
    span = f"{delta.low:+.3f} to {delta.high:+.3f}" if delta else "n/a"
    pairing = "paired" if interval and interval.paired else "unpaired"
    verdicts = "".join(f"{verdict:>10}" for verdict in _verdicts(repo, report))
    return (
        f"{label:<22} {f1.base:>7.4f} {f1.head:>7.4f} {f1.delta:>+8.4f}  "
        f"{span:>17} {pairing:>9} {verdicts}"
    )


def gate_cases(seeds: list[int]) -> list[str]:
    os.environ["PATH"] = _env()["PATH"]  # stages call `python` and `modelci`: this interpreter's
    rows = []
    with tempfile.TemporaryDirectory(prefix="modelci-gates-") as workdir:
        repo = _fresh_repo(Path(workdir))
        _run(repo, sys.executable, "-m", "dvc", "repro")
        _run(repo, "git", "add", "-A")
        _run(repo, "git", "commit", "-q", "-m", "base: reproduced")
        cases: list[tuple[str, str, str, object]] = [
            (f"split.seed: {seed}", "split", "seed", seed) for seed in seeds
        ]
        # The suggested weakening, and stumps: depth 1 cannot combine features, which
        # the generated fraud schemes need (scripts/generate.py).
        cases.append(("train.max_depth: 2", "train", "max_depth", 2))
        cases.append(("train.max_depth: 1", "train", "max_depth", 1))
        for label, section, name, value in cases:
            _set_param(repo, section, name, value)
            _, report = run_check(CheckOptions(root=repo, base="HEAD"))
            rows.append(_row(label, repo, report))
            _restore_base(repo)
    return rows


def _best(repeat: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def bootstrap_times(resamples: int, repeat: int) -> list[str]:
    from scipy import stats as scipy_stats

    head = read_predictions((ROOT / PREDICTIONS).read_bytes(), PREDICTIONS, **COLUMNS)
    rng = np.random.default_rng(1)
    # The same rows rescored (paired), and other rows (unpaired), as a base.
    noisy = np.clip(head.scores + rng.normal(0, 0.05, len(head)), 0, 1)
    same_rows = replace(head, scores=noisy)
    other_rows = replace(head, ids=head.ids + 10**9, scores=noisy)
    metrics = ("f1", "precision", "recall", "accuracy", "roc_auc", "average_precision")

    def run(base: Predictions | None) -> None:
        bootstrap(head, base, metrics, threshold=0.5, resamples=resamples)

    def scipy_resampling() -> None:
        scipy_stats.bootstrap(
            (np.arange(len(head)),),
            lambda rows, axis: np.zeros(rows.shape[0]),
            n_resamples=resamples,
            vectorized=True,
            method="percentile",
            batch=250,
            rng=0,
        )

    timings = [
        ("modelci.stats.bootstrap, head only", lambda: run(None)),
        ("modelci.stats.bootstrap, paired delta", lambda: run(same_rows)),
        ("modelci.stats.bootstrap, unpaired delta", lambda: run(other_rows)),
        ("scipy.stats.bootstrap, resampling alone", scipy_resampling),
    ]
    lines = [f"{name:<40} {_best(repeat, action):6.3f} s" for name, action in timings]
    lines[0] += f"  ({len(head):,} rows x {resamples:,} resamples, 6 metrics)"
    lines[-1] += "  (a statistic returning zeros, batch 250)"
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5,6", help="split seeds to try (base: 42)")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best counts")
    args = parser.parse_args()
    verdicts = "".join(f"{kind:>10}" for _ in TOLERANCES for kind in ("point", "signif."))
    header = (
        f"{'change':<22} {'F1 base':>7} {'F1 head':>7} {'delta':>8}  {'95% interval':>17} "
        f"{'':>9} {verdicts}"
    )
    over = "".join(f"{f'max_regression {t:g}':>20}" for t in TOLERANCES)
    print(f"{'':>{len(header) - len(over)}}{over}")
    print(header)
    print("-" * len(header))
    for row in gate_cases([int(seed) for seed in args.seeds.split(",")]):
        print(row, flush=True)
    print(f"\nbootstrap time (best of {args.repeat}):")
    for line in bootstrap_times(args.resamples, max(1, args.repeat)):
        print(line)


if __name__ == "__main__":
    main()
