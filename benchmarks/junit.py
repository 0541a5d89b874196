"""Benchmark: reading a large JUnit XML file with modelci's reader (junitparser) beside a plain
ElementTree pass that only counts, so the library's cost is measured, not assumed.

Writes a JUnit file of N test cases (1% failing with a pytest-style traceback, 2% skipped) in
nested suites, as PHPUnit or Mocha nest them, then times both over `--repeat` runs.

    python benchmarks/junit.py [--cases 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from modelci.testsuite import read_junit

TRACE = (
    "def test_x():\n>       assert f(1) == 2\nE       assert 3 == 2\n\n"
    "tests/test_{i}.py:12: AssertionError"
)


def write(path: Path, cases: int) -> None:
    root = ET.Element("testsuites")
    outer = ET.SubElement(root, "testsuite", name="all")
    for block in range(0, cases, 1000):
        suite = ET.SubElement(outer, "testsuite", name=f"block{block}")
        for i in range(block, min(block + 1000, cases)):
            case = ET.SubElement(
                suite, "testcase", classname=f"tests.test_{i % 50}", name=f"test_{i}"
            )
            if i % 100 == 0:
                ET.SubElement(case, "failure", message="assert 3 == 2").text = TRACE.format(
                    i=i % 50
                )
            elif i % 50 == 1:
                ET.SubElement(case, "skipped", message="not today")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def plain_counts(path: Path) -> tuple[int, int, int]:
    cases = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        cases += 1
        failed += case.find("failure") is not None or case.find("error") is not None
        skipped += case.find("skipped") is not None
    return cases, failed, skipped


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "junit.xml"
        write(path, args.cases)
        results = read_junit(path, root)
        counted = plain_counts(path)
        c = results.counts
        assert (c.total, c.failed + c.errors, c.skipped) == counted, (c, counted)
        ours = best(args.repeat, lambda: read_junit(path, root))
        plain = best(args.repeat, lambda: plain_counts(path))
        size = path.stat().st_size / 1e6
    shape = f"{args.cases:,} test cases in nested suites, {size:.1f} MB"
    print(f"{shape}; {c.failed:,} failing, {c.skipped:,} skipped")
    print(f"read_junit (junitparser, failures located): {ours * 1000:8.1f} ms")
    print(f"ElementTree, counting only:                 {plain * 1000:8.1f} ms")
    print(f"ratio: {ours / plain:.2f}x (best of {args.repeat})")


if __name__ == "__main__":
    main()
