"""One look at a live canary: open a window on a metric source, wait, analyse it; when traffic
is too thin, keep the same window open longer (the step is still one look, analysed once it
has enough traffic)."""

from __future__ import annotations

import time
from collections.abc import Callable

from modelci.analysis.engine import analyse, check_alpha
from modelci.analysis.sources import MetricSource
from modelci.analysis.verdict import StepVerdict, Verdict
from modelci.config.rollout import RolloutConfig


def analyse_step(
    source: MetricSource,
    step: int,
    config: RolloutConfig,
    *,
    window_seconds: float | None = None,
    waits: int = 2,
    sleep: Callable[[float], None] = time.sleep,
) -> StepVerdict:
    """Open a window, wait, analyse; on too little traffic wait longer (the same window)."""
    check_alpha(config, step)  # an unknown step fails before any waiting
    seconds = config.window_seconds if window_seconds is None else window_seconds
    mark = source.mark()
    for attempt in range(waits + 1):
        sleep(seconds)
        verdict = analyse(source.window(mark), step, config)
        if verdict.verdict is not Verdict.INCONCLUSIVE or attempt == waits:
            return verdict
    raise AssertionError("unreachable: the last attempt returns")
