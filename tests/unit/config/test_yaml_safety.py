"""Hostile or broken YAML is refused as a configuration error (exit 3), quickly, with its line."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from modelci.cli.main import cli
from modelci.config import load_config
from modelci.errors import ConfigError, ExitCode

GATES = "modelci:\n  gates:\n    - metric: f1\n      threshold: 0.9\n"
BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n" + GATES
)


def _error(tmp_path: Path, content: str | bytes) -> ConfigError:
    path = tmp_path / "params.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == ExitCode.CONFIG
    return caught.value


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    error = _error(tmp_path, BOMB)
    assert "expands to more than 100,000 nodes" in error.message
    assert "alias bomb" in error.message
    assert error.line is not None and 1 <= error.line <= 9


def test_a_recursive_alias_is_refused_with_its_anchor_line(tmp_path: Path) -> None:
    error = _error(tmp_path, "train: {}\nloop: &x\n  - 1\n  - *x\n" + GATES)
    assert "recursive alias" in error.message
    assert error.line == 2


def test_shared_aliases_that_do_not_explode_are_fine(tmp_path: Path) -> None:
    text = "defaults: &d {depth: 3}\ntrain: *d\nother:\n  <<: *d\n  depth: 4\n" + GATES
    (tmp_path / "params.yaml").write_text(text)
    assert load_config(tmp_path / "params.yaml").gates[0].metric == "f1"


def test_a_duplicate_section_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    error = _error(tmp_path, GATES + "modelci:\n  gates: []\n")
    assert error.line == 5
    assert "duplicate key `modelci` (first at line 1)" in error.message


def test_a_duplicate_nested_key_names_its_path(tmp_path: Path) -> None:
    error = _error(tmp_path, GATES + "      threshold: 0.8\n")
    assert error.key == "modelci.gates[0].threshold"
    assert error.line == 5


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    error = _error(tmp_path, b"train:\n  name: caf\xe9\n" + GATES.encode())
    assert "not UTF-8" in error.message
    assert "0xe9" in error.message
    assert error.line == 2


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    error = _error(tmp_path, "x: " + "[" * 5000 + "]" * 5000 + "\n" + GATES)
    assert "nested too deeply" in error.message


def test_an_unreadable_params_file_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.mkdir()  # unreadable as a file, for root too
    result = CliRunner().invoke(cli, ["check", "--params-file", str(path)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert f"Error: {path}: cannot read the file: Is a directory" in result.output
    assert "Traceback" not in result.output


def test_a_control_character_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    error = _error(tmp_path, GATES + "x: a\x1fb\n")
    assert error.message.endswith("not valid YAML: character '\\x1f' is not allowed")
    assert error.line == 5
