"""Benchmark: how fast does a rollback take the canary out of traffic, and what do clients see?

Starts two stand-in model servers (tests/support/echo_server.py) as local processes behind a real
Caddy (modelci.adapters.caddy), runs a concurrent HTTP load through the proxy, and for each of
`--trials` rollbacks sets the canary to 10 percent, waits, then puts its weight to 0 and measures

  - the admin call: from "roll back" until Caddy's PATCH returned;
  - time to zero canary traffic: from "roll back" until the last answer the canary gave;
  - requests lost: failures the load generator saw (it resends a request once, as HTTP/1.1
    allows for an idempotent one, when the proxy closed an idle keep-alive connection before
    any byte of the answer; those resends are counted apart).

Then, at 50 percent, it kills the canary (SIGKILL) under the same load and counts the requests
lost and the time until the last canary answer.

    python benchmarks/canary_router.py [--trials 20] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelci.adapters.caddy import CaddyRouter  # noqa: E402
from tests.support.load import Load  # noqa: E402
from tests.support.routing import start_echo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelci-canary-") as temp:
        folder = Path(temp)
        started = [start_echo(folder, "stable"), start_echo(folder, "canary")]
        upstreams = [u for u, _ in started]
        router = CaddyRouter.start(upstreams, [9, 1], workdir=folder / "router")
        canary = upstreams[1].dial
        admin: list[float] = []
        to_zero: list[float] = []
        try:
            with Load(f"{router.url}/v2/models/m/infer", threads=args.threads) as crash:
                router.set_weights([1, 1])
                time.sleep(0.5)
                killed = time.perf_counter()
                os.kill(started[1][1].pid, signal.SIGKILL)
                time.sleep(1.0)
            started[1][1].stop()  # reap it
            crash_last = max(a.at for a in crash.answers if a.upstream == canary) - killed
            started[1] = start_echo(folder, "canary")  # a new canary, on a new port
            upstreams[1] = started[1][0]
            router.stop()
            router = CaddyRouter.start(upstreams, [9, 1], workdir=folder / "router2")
            canary = upstreams[1].dial
            with Load(f"{router.url}/v2/models/m/infer", threads=args.threads) as load:
                for _ in range(args.trials):
                    router.set_weights([9, 1])
                    time.sleep(0.5)
                    begun = time.perf_counter()
                    router.set_weights([1, 0])
                    admin.append(time.perf_counter() - begun)
                    time.sleep(0.5)
                    last = max((a.at for a in load.answers if a.upstream == canary), default=0)
                    to_zero.append(max(0.0, last - begun))
        finally:
            router.stop()
            for _, ref in started:
                ref.stop()
    answers = len(load.answers)
    seconds = args.trials * 1.0
    print(f"{args.trials} rollbacks under load: {args.threads} client threads, {answers} answers "
          f"({answers / seconds:.0f}/s), {2 * args.trials} weight changes\n")  # fmt: skip
    print("| Measure | median | max | goal |")
    print("| --- | ---: | ---: | --- |")
    print(f"| admin call (PATCH weights) | {_ms(statistics.median(admin))} | {_ms(max(admin))} | |")
    print(
        f"| roll back -> last canary answer | {_ms(statistics.median(to_zero))} | "
        f"{_ms(max(to_zero))} | under 1 s |"
    )
    print(f"\nrequests lost: {len(load.failures)}"
          + (f" ({load.failures[0]})" if load.failures else ""))  # fmt: skip
    print(f"idle connections closed by a reload, request resent: {load.resent} "
          f"({load.resent / (2 * args.trials):.2f} per weight change)")  # fmt: skip
    after = _ms(max(0.0, crash_last))
    print(f"\ncanary killed at 50%: {len(crash.answers)} answers, requests lost: "
          f"{len(crash.failures)}, last canary answer {after} after the kill")  # fmt: skip


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    main()
