"""A rollout's steps: the canary's share of traffic, in percent, step by step."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from modelci.errors import UsageError

DEFAULT_STEPS: tuple[int, ...] = (10, 25, 50, 100)


def check_steps(steps: Sequence[int]) -> tuple[int, ...]:
    """`steps` if they rise strictly from above 0 to exactly 100, else UsageError."""
    steps = tuple(steps)
    problem = None
    if not steps:
        problem = "no steps given"
    elif any(not 0 < step <= 100 for step in steps):
        problem = "every step must be a percentage from 1 to 100"
    elif any(b <= a for a, b in itertools.pairwise(steps)):
        problem = "steps must rise strictly"
    elif steps[-1] != 100:
        problem = "the last step must be 100 (the canary takes all traffic)"
    if problem:
        raise UsageError(
            f"invalid rollout steps {','.join(map(str, steps))}: {problem}",
            hint="Give rising percentages ending at 100, e.g. --steps 10,25,50,100.",
        )
    return steps


def parse_steps(text: str) -> tuple[int, ...]:
    """`10,25,50,100` -> (10, 25, 50, 100), checked."""
    try:
        steps = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(
            f"invalid rollout steps {text!r}: not a comma-separated list of whole numbers",
            hint="e.g. --steps 10,25,50,100",
        ) from None
    return check_steps(steps)


def weights(canary_percent: int) -> tuple[int, int]:
    """The router's (stable, canary) weights for a canary share of `canary_percent`."""
    if not 0 <= canary_percent <= 100:
        raise ValueError(f"a canary share is 0 to 100 percent, got {canary_percent}")
    return (100 - canary_percent, canary_percent)
