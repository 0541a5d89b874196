"""Benchmark: metrics per slice with bootstrap intervals, every slice at once.

Scores 20,000 rows (1.5% positives, as the reference pipeline's test set) cut into 50 slices of
one column, and times `modelci.slices.evaluate_slices`: the join on row id, the slices, every
metric's bootstrap interval in every slice (head only; then paired with a base that scored the
same rows; then unpaired), and the slice gates. Beside it, the same intervals computed slice by
slice with the whole-set bootstrap, the loop the grouped bootstrap replaces. The goal: 50 slices,
20,000 rows, 1,000 resamples in under a second.

    python benchmarks/slices.py [--rows 20000] [--slices 50] [--resamples 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from gates import _best

from modelci.config import IntervalsConfig, SlicesConfig
from modelci.slices import SliceInputs, evaluate_slices
from modelci.stats import METRICS, Predictions, bootstrap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--slices", type=int, default=50)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    n = args.rows
    y = (rng.random(n) < 0.015).astype(np.int8)
    score = np.clip(0.15 + 0.7 * y + rng.normal(0, 0.15, n), 0, 1)
    ids = np.arange(n, dtype=np.int64)
    data = pd.DataFrame({"row_id": ids, "segment": rng.integers(0, args.slices, n)})
    head = Predictions(ids, y, score)
    paired_base = Predictions(ids, y, np.clip(score + rng.normal(0, 0.03, n), 0, 1))
    unpaired_base = Predictions(ids + n, y, paired_base.scores)
    settings = SlicesConfig.model_validate(
        {
            "data": "test.parquet",
            "columns": ["segment"],
            "min_support": 3,
            "gates": [{"metric": "recall", "threshold": 0.5, "max_regression": 0.1}],
        }
    )
    intervals = IntervalsConfig(resamples=args.resamples)
    both = pd.concat([data, data.assign(row_id=data["row_id"] + n)])

    def slices(base: Predictions | None, frame: pd.DataFrame) -> int:
        result = evaluate_slices(
            settings,
            SliceInputs(head=head, head_data=frame, base=base, base_data=frame),
            id_column="row_id",
            threshold=0.5,
            intervals=intervals,
        )
        return len(result.slices)

    def slice_by_slice() -> None:
        groups = data["segment"].to_numpy()
        for value in range(args.slices):
            rows = groups == value
            part = Predictions(ids[rows], y[rows], score[rows])
            bootstrap(part, None, tuple(METRICS), threshold=0.5, resamples=args.resamples)

    count = slices(None, data)
    print(
        f"{count} slices of {n:,} rows ({int(y.sum())} positives), {args.resamples:,} resamples, "
        f"{len(METRICS)} metrics per slice (best of {args.repeat}, seconds):"
    )
    figures = [
        ("head only", _best(args.repeat, lambda: slices(None, data))),
        ("paired with a base", _best(args.repeat, lambda: slices(paired_base, data))),
        ("unpaired base", _best(args.repeat, lambda: slices(unpaired_base, both))),
        ("head only, one bootstrap per slice (loop)", _best(args.repeat, slice_by_slice)),
    ]
    for label, seconds in figures:
        print(f"  {label:<44} {seconds:6.3f}")


if __name__ == "__main__":
    main()
