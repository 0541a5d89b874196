"""The three kinds of behaviour check, each vectorised: a check's rows, as they are and as changed,
are scored together in one call of the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from modelci.behaviour.results import CheckKind, CheckResult, Example
from modelci.config.behaviour import CasesCheck, Change, DirectionalCheck, InvarianceCheck

if TYPE_CHECKING:
    import pandas as pd

Scorer = Callable[["pd.DataFrame"], npt.NDArray[np.float64]]  # rows -> P(class 1), one call


@dataclass(frozen=True)
class Rows:
    """The rows the invariance and directional checks change."""

    frame: pd.DataFrame
    ids: npt.NDArray[Any]


def invariance(
    check: InvarianceCheck, rows: Rows, score: Scorer, *, sample: int | None, seed: int, cap: int
) -> CheckResult:
    return _change_check(
        "invariance",
        check,
        rows,
        score,
        rule=f"|Δ score| ≤ {check.epsilon:g}",
        badness=lambda before, after: np.abs(after - before),
        limit=check.epsilon,
        sampling=(sample, seed, cap),
    )


def directional(
    check: DirectionalCheck, rows: Rows, score: Scorer, *, sample: int | None, seed: int, cap: int
) -> CheckResult:
    sign = 1.0 if check.direction == "increase" else -1.0
    verb = "fall" if check.direction == "increase" else "rise"
    tolerance = f" by more than {check.tolerance:g}" if check.tolerance else ""
    return _change_check(
        "directional",
        check,
        rows,
        score,
        rule=f"no score may {verb}{tolerance}",
        # How far each score moved the wrong way (positive: against the expected direction).
        badness=lambda before, after: sign * (before - after),
        limit=check.tolerance,
        sampling=(sample, seed, cap),
    )


Badness = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.float64]]


def _change_check(
    kind: CheckKind,
    check: InvarianceCheck | DirectionalCheck,
    rows: Rows,
    score: Scorer,
    *,
    rule: str,
    badness: Badness,
    limit: float,
    sampling: tuple[int | None, int, int],
) -> CheckResult:
    sample, seed, cap = sampling
    picked, before, after, changed = _scored_change(check, rows, score, sample, seed)
    bad = badness(before, after)
    broken = bad > limit
    return CheckResult(
        kind=kind,
        name=check.name or check.describe,
        rule=rule,
        rows=len(picked),
        failures=int(broken.sum()),
        worst=float(max(bad.max(), 0.0)) if len(bad) else None,
        examples=_examples(check, rows, picked, before, after, changed, bad, broken, cap),
        note=_note(check, len(picked), len(rows.ids)),
    )


def cases(
    check: CasesCheck,
    frame: pd.DataFrame,
    ids: npt.NDArray[Any],
    labels: npt.NDArray[np.int64],
    score: Scorer,
    *,
    threshold: float,
    cap: int,
) -> CheckResult:
    scores = score(frame)
    predicted = (scores >= threshold).astype(np.int64)
    broken = predicted != labels
    # Worst first: the case whose score is farthest on the wrong side of the threshold.
    distance = np.abs(scores - threshold)
    order = np.flatnonzero(broken)[np.argsort(-distance[broken], kind="stable")][:cap]
    return CheckResult(
        kind="cases",
        name=check.name or check.path,
        rule=f"each row classified as labelled (threshold {threshold:g})",
        rows=len(frame),
        failures=int(broken.sum()),
        worst=None,
        examples=tuple(
            Example(
                row=ids[i],
                change=f"expected {labels[i]}, classified {predicted[i]}",
                before=None,
                after=float(scores[i]),
                expected=int(labels[i]),
            )
            for i in order
        ),
    )


def changed_values(check: Change, values: pd.Series) -> pd.Series:
    """The column as the check changes it, every row at once."""
    if check.add is not None:
        return values + check.add
    if check.multiply is not None:
        return values * check.multiply
    import pandas as pd

    return pd.Series(check.set, index=values.index)


def _scored_change(
    check: Change, rows: Rows, score: Scorer, sample: int | None, seed: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64], pd.Series]:
    """(rows picked, their scores before, after, the changed column): one call of the model."""
    original = rows.frame[check.column]
    changed = changed_values(check, original)
    # Only rows the change changes can test it (`country_mismatch = 1` on a row that is 1 already
    # tests nothing); the sample is drawn from those.
    eligible = np.flatnonzero((changed != original).to_numpy())
    size = check.sample or sample
    if size is not None and size < len(eligible):
        picked = np.sort(np.random.default_rng(seed).choice(eligible, size=size, replace=False))
    else:
        picked = eligible
    if not len(picked):
        return picked, np.empty(0), np.empty(0), changed
    import pandas as pd

    before = rows.frame.iloc[picked]
    after = before.copy()
    after[check.column] = changed.iloc[picked].to_numpy()
    # Only the sampled rows are scored, before and after the change, in one call.
    scores = score(pd.concat([before, after], ignore_index=True))
    return picked, scores[: len(picked)], scores[len(picked) :], changed


def _examples(
    check: Change,
    rows: Rows,
    picked: npt.NDArray[np.intp],
    before: npt.NDArray[np.float64],
    after: npt.NDArray[np.float64],
    changed: pd.Series,
    badness: npt.NDArray[np.float64],
    broken: npt.NDArray[np.bool_],
    cap: int,
) -> tuple[Example, ...]:
    worst = np.flatnonzero(broken)[np.argsort(-badness[broken], kind="stable")][:cap]
    original = rows.frame[check.column]
    return tuple(
        Example(
            row=rows.ids[picked[i]],
            change=f"{check.column} {_shown(original.iloc[picked[i]])} → "
            f"{_shown(changed.iloc[picked[i]])}",
            before=float(before[i]),
            after=float(after[i]),
        )
        for i in worst
    )


def _note(check: Change, picked: int, total: int) -> str | None:
    if picked == 0:
        return f"`{check.describe}` changes none of the {total:,} rows: nothing was tested"
    return None


def _shown(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(value)
