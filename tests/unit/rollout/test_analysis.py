from __future__ import annotations

import pytest

from modelci.rollout.analysis import Decision, decide

STEPS = (10, 25, 50, 100)


@pytest.mark.parametrize(
    ("verdict", "step", "decision"),
    [
        ("pass", 0, Decision.CONTINUE),
        ("pass", 1, Decision.CONTINUE),
        ("pass", 2, Decision.PROMOTE),  # the next step is 100: that is the promotion
        ("fail", 0, Decision.ROLL_BACK),
        ("fail", 2, Decision.ROLL_BACK),
        ("inconclusive", 0, Decision.WAIT),
        ("inconclusive", 2, Decision.WAIT),  # never promotes on too little evidence
    ],
)
def test_a_verdict_becomes_a_decision(verdict: str, step: int, decision: Decision) -> None:
    assert decide(verdict, step=step, steps=STEPS) is decision


def test_one_step_before_all_promotes_at_once() -> None:
    assert decide("pass", step=0, steps=(50, 100)) is Decision.PROMOTE


def test_an_unknown_verdict_is_a_bug_not_a_decision() -> None:
    with pytest.raises(ValueError, match="unknown verdict 'maybe'"):
        decide("maybe", step=0, steps=STEPS)
