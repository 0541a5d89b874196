"""Every command explains itself, and `modelci --help` stays fast (no heavy imports)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from modelci.cli.main import _COMMANDS, cli

HEAVY = ["pandas", "pandera", "dvc", "sklearn", "requests", "numpy", "pyarrow"]


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"`modelci {name} --help` needs an example"
    # the summary shown by `modelci --help` is the command's own first paragraph, not a stale copy
    first_paragraph = " ".join(result.output.split("\n\n")[1].split())
    assert _COMMANDS[name][2] == first_paragraph


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in _COMMANDS:
        assert f"  {name} " in result.output


@pytest.mark.parametrize(
    "args",
    [["--help"], ["check", "--help"], ["comment", "--help"], ["validate", "--help"]]
    + [["action", name, "--help"] for name in ("inputs", "check", "comment", "verdict")],
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    code = (
        "import sys, json\n"
        "from modelci.cli.main import cli\n"
        f"try:\n    cli.main(args={args!r}, prog_name='modelci')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)), file=sys.stderr)\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(process.stderr.strip().splitlines()[-1]))
    assert loaded.isdisjoint(HEAVY), f"`modelci {' '.join(args)}` imported {loaded & set(HEAVY)}"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("modelci, version ")


def test_errors_become_annotations_inside_github_actions(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    params = tmp_path / "params.yaml"
    params.write_text("modelci:\n  gates:\n    - metric: f1\n      treshold: 0.9\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = CliRunner().invoke(cli, ["check", "-C", str(tmp_path)])
    assert result.exit_code == 3
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert annotation.startswith(
        f"::error file={params},line=4,title=modelci%3A ConfigError::unknown key Hint: allowed keys here: "
    )


@pytest.mark.parametrize("name", ["inputs", "check", "comment", "verdict"])
def test_every_action_step_has_help_with_an_example(name: str) -> None:
    from modelci.cli.action import action

    assert sorted(action.commands) == ["check", "comment", "inputs", "verdict"]
    result = CliRunner().invoke(cli, ["action", name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"`modelci action {name} --help` needs an example"
