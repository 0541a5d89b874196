"""`modelci.tests`: the team's test command in the configuration."""

from pathlib import Path

import pytest

from modelci.config import load_config
from modelci.errors import ConfigError


def load(tmp_path: Path, tests: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "params.yaml"
    path.write_text("modelci:\n  tests:\n" + tests)
    return load_config(path)


def test_defaults_and_argv(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "    command: python -m pytest -q 'my tests' --junitxml=eval/junit.xml\n"
        "    junit: eval/junit.xml\n",
    ).section.tests
    assert config is not None
    assert (config.mode, config.when, config.timeout) == ("required", "before-pipeline", 1800)
    assert config.argv == ["python", "-m", "pytest", "-q", "my tests", "--junitxml=eval/junit.xml"]


def test_no_tests_section_runs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("modelci:\n  gates: []\n")
    assert load_config(path).section.tests is None


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
        (
            "    command: pytest\n    junit: j.xml\n    mode: strict\n",
            "params.yaml:5 (key `modelci.tests.mode`): expected `required` or `report-only`, got 'strict'",
        ),
        (
            "    command: pytest\n",
            "params.yaml:2 (key `modelci.tests`): missing required key `junit`",
        ),
        (
            '    command: "pytest \'unclosed"\n    junit: j.xml\n',
            "params.yaml:3 (key `modelci.tests.command`): cannot split the command into words: No closing quotation",
        ),
        (
            "    command: pytest\n    junit: j.xml\n    timeout: 0\n",
            "params.yaml:5 (key `modelci.tests.timeout`): must be > 0, got 0",
        ),
        (
            "    command: pytest\n    junit: j.xml\n    when: later\n",
            "params.yaml:5 (key `modelci.tests.when`): expected `before-pipeline` or `after-pipeline`, got 'later'",
        ),
    ],
)
def test_wrong_values_name_the_key_and_line(tmp_path: Path, tests: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, tests)
    assert (
        str(raised.value) == f"{tmp_path / 'params.yaml'}:{expected.removeprefix('params.yaml:')}"
    )
