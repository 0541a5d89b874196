"""Benchmark: what validating a Parquet file costs compared with just reading it.

For each size, generates transactions of the reference schema (scripts/generate.py), writes them
to Parquet in a temporary directory, then times, best of --repeat runs:

  read      pd.read_parquet(FILE)
  validate  validating FILE in-process, reading included: modelci.validation.validate_file, or
            (if that module is missing) pd.read_parquet + pandera schema.validate(lazy=True)
  cli       `modelci validate FILE --schema schemas/transactions.yaml --format json` as a
            subprocess (wall time, interpreter start-up and imports included)

and prints, side by side with the plain pandas read (the peer the goal names):

  rows/s    rows per second of validate_file; `cli rows/s` the same for the `modelci validate`
            process (interpreter start-up and imports included)
  checks    validate - read: what the validation itself adds on top of reading the file
  chk/read  checks / read: the goal is that validation costs no more than 1.5x the read
  tot/read  validate / read: the whole `validate_file` call against the read alone

    python benchmarks/validate.py                    # 1M and 10M rows (10M needs ~6 GiB RAM)
    python benchmarks/validate.py --rows 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "transactions.yaml"
GOAL_RATIO = 1.5
T = TypeVar("T")

sys.path.insert(0, str(ROOT / "scripts"))
from generate import generate_transactions  # noqa: E402


def _validator() -> tuple[str, Callable[[Path], bool]]:
    """(description, function validating a file and returning its verdict)."""
    try:
        from modelci.validation import load_schema, validate_file
    except ImportError:
        import pandera.pandas as pa

        pandera_schema = pa.DataFrameSchema.from_yaml(SCHEMA)

        def with_pandera(path: Path) -> bool:
            try:
                pandera_schema.validate(pd.read_parquet(path), lazy=True)
            except pa.errors.SchemaErrors:
                return False
            return True

        return "pandera (modelci.validation not importable)", with_pandera

    schema = load_schema(str(SCHEMA))

    def with_modelci(path: Path) -> bool:
        return validate_file(path, schema).valid

    return "modelci.validation.validate_file", with_modelci


def _best_time(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Fastest of `repeat` runs (the least disturbed by other work on the machine).

    `run` returns something small: a frame kept alive between runs would skew memory use.
    """
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _run_cli(path: Path) -> int:
    command = [sys.executable, "-m", "modelci", "validate", str(path)]
    command += ["--schema", str(SCHEMA.relative_to(ROOT)), "--format", "json"]
    return subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False).returncode


def bench(
    rows: int, repeat: int, workdir: Path, validate: Callable[[Path], bool]
) -> dict[str, Any]:
    print(f"generating {rows:,} rows ...", file=sys.stderr, flush=True)
    path = workdir / f"transactions_{rows}.parquet"
    frame = generate_transactions(rows, seed=0)
    frame.to_parquet(path, index=False)
    del frame
    size_mb = path.stat().st_size / 1e6

    # Interleaved, so a burst of load on a shared machine hits both timings alike.
    read_s = validate_s = float("inf")
    valid = False
    for _ in range(repeat):
        seconds, _rows = _best_time(lambda: len(pd.read_parquet(path)), 1)
        read_s = min(read_s, seconds)
        seconds, valid = _best_time(lambda: validate(path), 1)
        validate_s = min(validate_s, seconds)
    cli_s, exit_code = _best_time(lambda: _run_cli(path), repeat)
    path.unlink()
    return {
        "rows": rows,
        "size_mb": size_mb,
        "read_s": read_s,
        "validate_s": validate_s,
        "cli_s": cli_s,
        "rows_per_s": rows / validate_s,
        "cli_rows_per_s": rows / cli_s,
        "checks_s": max(0.0, validate_s - read_s),
        "checks_ratio": max(0.0, validate_s - read_s) / read_s,
        "ratio": validate_s / read_s,
        "valid": valid,
        "cli_exit": exit_code,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'rows':>12} {'MB':>7} {'read s':>8} {'validate s':>10} {'checks s':>9} {'cli s':>7} "
        f"{'rows/s':>12} {'cli rows/s':>12} {'chk/read':>8} {'tot/read':>8}"
        f"  goal: checks <= {GOAL_RATIO}x read"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "met" if r["checks_ratio"] <= GOAL_RATIO else "NOT met"
        notes = []
        if not r["valid"]:
            notes.append("data reported invalid!")
        if r["cli_exit"] != 0:
            notes.append(f"cli exit {r['cli_exit']}")
        print(
            f"{r['rows']:>12,} {r['size_mb']:>7.1f} {r['read_s']:>8.3f} {r['validate_s']:>10.3f} "
            f"{r['checks_s']:>9.3f} {r['cli_s']:>7.2f} {r['rows_per_s']:>12,.0f} "
            f"{r['cli_rows_per_s']:>12,.0f} "
            f"{r['checks_ratio']:>8.2f} {r['ratio']:>8.2f}  {verdict}"
            + (f"  ({'; '.join(notes)})" if notes else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        default="1000000,10000000",
        help="comma-separated row counts (default: 1000000,10000000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing; the best counts")
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.rows.split(",") if size.strip()]

    description, validate = _validator()
    print(f"validator: {description}; schema: {SCHEMA.relative_to(ROOT)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="modelci-bench-") as workdir:
        results = [bench(rows, max(1, args.repeat), Path(workdir), validate) for rows in sizes]
    print_table(results)


if __name__ == "__main__":
    main()
