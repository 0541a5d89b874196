"""Alpha spent across the looks of a rollout, so that looking again at every step does not raise
the false-rollback rate above the configured alpha.

Each step below 100 percent is one look (at 100 there is no stable traffic to compare with), at
information fraction t = look / looks. A Lan-DeMets spending function gives the share of alpha
spent by t; look k may spend the increment f(t_k) - f(t_{k-1}), and that look's alpha is split
evenly across the checks (Bonferroni). A rollout rolls back when any check fails at any look, so
by the union bound the chance of a false rollback is at most the sum of all the pieces: alpha.
Each step analyses its own window, so the looks are independent and the bound is nearly tight.
"""

from __future__ import annotations

import math

from scipy.stats import norm

from modelci.config.rollout import Spending


def spent(fraction: float, alpha: float, spending: Spending) -> float:
    """Alpha spent by information fraction `fraction` (0 < fraction <= 1)."""
    if spending == "pocock":
        return alpha * math.log(1 + (math.e - 1) * fraction)
    if spending == "obrien-fleming":
        return float(2 * norm.sf(norm.isf(alpha / 2) / math.sqrt(fraction)))
    return alpha * fraction


def look_alphas(alpha: float, looks: int, spending: Spending) -> tuple[float, ...]:
    """The alpha each look may spend; they sum to `alpha`."""
    if looks < 1:
        raise ValueError(f"a rollout needs at least one look, got {looks}")
    cumulative = [spent(k / looks, alpha, spending) for k in range(1, looks + 1)]
    cumulative[-1] = alpha  # exact at the end, whatever the rounding
    return tuple(b - a for a, b in zip([0.0, *cumulative], cumulative, strict=False))


def analysed_steps(steps: tuple[int, ...]) -> tuple[int, ...]:
    """The steps that are looks: those that leave traffic on stable to compare with."""
    return tuple(step for step in steps if step < 100)
