"""`modelci.behaviour`: each check's change is exactly one of add, multiply or set; changes need
rows to change; every problem names its key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelci.config import load_config
from modelci.config.behaviour import DirectionalCheck, InvarianceCheck
from modelci.errors import ConfigError, ExitCode

GOOD = """\
modelci:
  behaviour:
    data: data/test.parquet
    id: transaction_id
    sample: 500
    invariance:
      - {column: amount, add: 0.01, epsilon: 0.05}
    directional:
      - {column: velocity_1h, multiply: 2, direction: increase, tolerance: 0.001}
      - {column: merchant_category, set: travel, direction: decrease, name: travel}
    cases:
      - {path: data/cases.csv, label: is_fraud}
"""


def load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return load_config(path)


def problems(tmp_path: Path, text: str) -> set[tuple[str | None, int | None, str]]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert caught.value.exit_code == ExitCode.CONFIG
    return {(p.key, p.line, p.message) for p in caught.value.problems}


def test_a_full_section_loads_with_its_defaults(tmp_path: Path) -> None:
    behaviour = load(tmp_path, GOOD).section.behaviour  # type: ignore[attr-defined]
    assert (behaviour.model, behaviour.data, behaviour.id) == (
        "models/model.json",
        "data/test.parquet",
        "transaction_id",
    )
    assert (behaviour.sample, behaviour.seed, behaviour.threshold, behaviour.max_examples) == (
        500,
        0,
        None,
        5,
    )
    (cent,) = behaviour.invariance
    assert (cent.column, cent.add, cent.epsilon, cent.describe) == (
        "amount",
        0.01,
        0.05,
        "amount + 0.01",
    )
    velocity, travel = behaviour.directional
    assert (velocity.describe, velocity.tolerance, velocity.direction) == (
        "velocity_1h * 2",
        0.001,
        "increase",
    )
    assert (travel.set, travel.describe, travel.name, travel.tolerance) == (
        "travel",
        "merchant_category = travel",
        "travel",
        0.0,
    )
    assert behaviour.cases[0].label == "is_fraud"
    assert behaviour.checks == 4


def test_without_the_section_there_are_no_behaviour_checks(tmp_path: Path) -> None:
    config = load(tmp_path, "modelci:\n  gates: []\n")
    assert config.section.behaviour is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ("add: 1, set: 2", "got `add`, `set`"),
        ("add: 1, multiply: 2, set: 0", "got `add`, `multiply`, `set`"),
        ("direction: increase", "got none"),
    ],
)
def test_a_change_is_exactly_one_of_add_multiply_or_set(
    tmp_path: Path, change: str, found: str
) -> None:
    text = (
        "modelci:\n"  # 1
        "  behaviour:\n"  # 2
        "    data: data/test.parquet\n"  # 3
        "    directional:\n"  # 4
        f"      - {{column: velocity_1h, direction: increase, {change}}}\n"  # 5
    ).replace("direction: increase, direction: increase", "direction: increase")
    assert problems(tmp_path, text) == {
        (
            "modelci.behaviour.directional[0]",
            5,
            f"give exactly one of `add`, `multiply` or `set` ({found})",
        )
    }


def test_changes_need_rows_to_change(tmp_path: Path) -> None:
    text = "modelci:\n  behaviour:\n    invariance:\n      - {column: amount, add: 1, epsilon: 0}\n"
    assert problems(tmp_path, text) == {
        (
            "modelci.behaviour",
            2,
            "invariance and directional checks need `data`: the rows to change "
            "(e.g. `data: data/test.parquet`)",
        )
    }
    # Cases bring their own rows.
    cases = "modelci:\n  behaviour:\n    cases:\n      - {path: cases.csv}\n"
    assert load(tmp_path, cases).section.behaviour.checks == 1  # type: ignore[attr-defined]


def test_bad_values_are_each_named_with_their_line(tmp_path: Path) -> None:
    text = (
        "modelci:\n"  # 1
        "  behaviour:\n"  # 2
        "    data: data/test.parquet\n"  # 3
        "    sample: 0\n"  # 4
        "    invariance:\n"  # 5
        "      - {column: amount, add: .inf, epsilon: -1}\n"  # 6
        "    directional:\n"  # 7
        "      - {column: velocity_1h, add: 1, direction: up}\n"  # 8
        "    cases:\n"  # 9
        "      - {path: c.csv, labels: y}\n"  # 10
    )
    assert problems(tmp_path, text) == {
        ("modelci.behaviour.sample", 4, "must be > 0, got 0"),
        ("modelci.behaviour.invariance[0].add", 6, "expected a finite number, got inf"),
        ("modelci.behaviour.invariance[0].epsilon", 6, "must be >= 0.0, got -1"),
        (
            "modelci.behaviour.directional[0].direction",
            8,
            "expected `increase` or `decrease`, got 'up'",
        ),
        ("modelci.behaviour.cases[0].labels", 10, "unknown key"),
    }


@pytest.mark.parametrize(
    ("check", "shown"),
    [
        (InvarianceCheck(column="amount", add=-0.01, epsilon=0), "amount - 0.01"),
        (InvarianceCheck(column="hour", set=3, epsilon=0), "hour = 3"),
        (InvarianceCheck(column="amount", set=2.5, epsilon=0), "amount = 2.5"),
        (DirectionalCheck(column="v", multiply=1.5, direction="decrease"), "v * 1.5"),
    ],
)
def test_a_change_describes_itself(check: InvarianceCheck, shown: str) -> None:
    assert check.describe == shown
