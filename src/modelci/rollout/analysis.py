"""What a rollout asks of the analysis, and how a verdict becomes a decision.

The analysis itself (canary against stable over a window: errors, latency, predictions) is a
function `analyse(window) -> result` injected into `modelci.rollout.local.run_step`; any result
with a `verdict` ("pass", "fail" or "inconclusive") and its `reasons` will do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class StepWindow:
    """One step's analysis window: where to measure and over which time (Unix seconds)."""

    environment: str
    step: int  # index into the rollout's steps
    canary_percent: int
    started: float
    ended: float
    stable_url: str
    canary_url: str
    router_url: str


class AnalysisResult(Protocol):
    @property
    def verdict(self) -> str: ...

    @property
    def reasons(self) -> tuple[str, ...]: ...


Analyse = Callable[[StepWindow], AnalysisResult]


class Decision(StrEnum):
    CONTINUE = "continue"  # go to the next step
    PROMOTE = "promote"  # the canary takes all traffic; the old stable drains and stops
    ROLL_BACK = "roll-back"  # the canary's weight goes to 0 at once, the canary stops
    WAIT = "wait"  # too little evidence: stay at this step for another window


def decide(verdict: str, *, step: int, steps: tuple[int, ...]) -> Decision:
    """The decision a step's verdict leads to. Inconclusive never promotes: it waits."""
    if verdict == "fail":
        return Decision.ROLL_BACK
    if verdict == "inconclusive":
        return Decision.WAIT
    if verdict != "pass":
        raise ValueError(f"unknown verdict {verdict!r}: expected pass, fail or inconclusive")
    at_last = step + 1 >= len(steps) - 1  # the next step is 100 percent: that is the promotion
    return Decision.PROMOTE if at_last else Decision.CONTINUE
