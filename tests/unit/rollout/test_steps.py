from __future__ import annotations

import pytest

from modelci.errors import UsageError
from modelci.rollout.steps import DEFAULT_STEPS, check_steps, parse_steps, weights


def test_default_steps() -> None:
    assert DEFAULT_STEPS == (10, 25, 50, 100)
    assert check_steps(DEFAULT_STEPS) == DEFAULT_STEPS


def test_parse_steps() -> None:
    assert parse_steps("5,50,100") == (5, 50, 100)
    assert parse_steps("100") == (100,)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("10,25,50", "the last step must be 100 (the canary takes all traffic)"),
        ("10,10,100", "steps must rise strictly"),
        ("50,25,100", "steps must rise strictly"),
        ("0,50,100", "every step must be a percentage from 1 to 100"),
        ("10,150", "every step must be a percentage from 1 to 100"),
    ],
)
def test_bad_steps_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_steps(text)
    assert str(caught.value) == f"invalid rollout steps {text}: {problem}"
    assert caught.value.hint == "Give rising percentages ending at 100, e.g. --steps 10,25,50,100."


def test_steps_that_are_not_numbers() -> None:
    with pytest.raises(UsageError, match="not a comma-separated list of whole numbers"):
        parse_steps("10,half,100")


def test_weights_are_stable_first() -> None:
    assert weights(10) == (90, 10)
    assert weights(0) == (100, 0)
    assert weights(100) == (0, 100)
    with pytest.raises(ValueError, match="0 to 100 percent, got 101"):
        weights(101)
