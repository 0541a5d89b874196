"""Exit codes through the CLI: a crash is a bug (70), never a verdict; Ctrl-C is 130."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelci.cli.main import cli
from tests.support.fake_github import WORKFLOW_TOKEN


def _internal_error(error: str) -> re.Pattern[str]:
    """The one line a crash prints; only the line number inside modelci is left open."""
    return re.compile(
        re.escape(f"Internal error: {error} (at modelci/files.py:")
        + r"\d+"
        + re.escape(
            "). This is a bug in modelci: please report it at "
            "https://github.com/modelci/modelci/issues with the output of --debug."
        )
    )


def _crash_args(project: Path, regular_file: Path) -> list[str]:
    return ["check", "-C", str(project), "--no-repro", "--output-dir", str(regular_file / "out")]


def _not_a_directory(regular_file: Path) -> str:
    return f"NotADirectoryError: [Errno 20] Not a directory: '{regular_file / 'out' / '.modelci-report'}'"


def test_a_crash_exits_70_with_one_line_and_no_traceback(project: Path, regular_file: Path) -> None:
    result = CliRunner().invoke(cli, _crash_args(project, regular_file), env={"MODELCI_DEBUG": ""})
    assert result.exit_code == 70
    last = result.stderr.strip().splitlines()[-1]
    assert _internal_error(_not_a_directory(regular_file)).fullmatch(last), last
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "env"), [(["--debug"], {}), ([], {"MODELCI_DEBUG": "1"})], ids=["flag", "env"]
)
def test_debug_adds_the_traceback(
    project: Path, regular_file: Path, args: list[str], env: dict[str, str]
) -> None:
    result = CliRunner().invoke(cli, [*args, *_crash_args(project, regular_file)], env=env)
    assert result.exit_code == 70
    traceback_at = result.stderr.index("Traceback (most recent call last):")
    error_at = result.stderr.index(f"\n{_not_a_directory(regular_file)}\n")
    line_at = result.stderr.index("Internal error: ")
    assert traceback_at < error_at < line_at


def test_a_crash_inside_github_actions_is_an_error_annotation(
    project: Path, regular_file: Path
) -> None:
    env = {"GITHUB_ACTIONS": "true", "MODELCI_DEBUG": ""}
    result = CliRunner().invoke(cli, _crash_args(project, regular_file), env=env)
    assert result.exit_code == 70
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    prefix = "::error title=modelci%3A internal error::Internal error: NotADirectoryError"
    assert annotation.startswith(prefix), annotation


def test_the_installed_command_exits_70_too(project: Path, regular_file: Path) -> None:
    """The real process, as a workflow step runs it: no click runner in between."""
    env = {k: v for k, v in os.environ.items() if k not in ("MODELCI_DEBUG", "GITHUB_ACTIONS")}
    run = subprocess.run(
        [sys.executable, "-m", "modelci", *_crash_args(project, regular_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 70, run.stderr
    assert _internal_error(_not_a_directory(regular_file)).fullmatch(
        run.stderr.strip().splitlines()[-1]
    )


def test_a_modelci_error_keeps_its_own_code(project: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "-C", str(project), "--base", "no-such-rev"])
    assert result.exit_code == 2
    assert "Internal error" not in result.stderr
    assert result.stderr.startswith("Error: ")


def test_click_usage_errors_stay_2() -> None:
    result = CliRunner().invoke(cli, ["check", "--format", "yaml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


COMMENT = [sys.executable, "-m", "modelci", "comment"]


def test_ctrl_c_exits_130(tmp_path: Path) -> None:
    """SIGINT while modelci waits on GitHub: `Interrupted.` and 130, not a traceback."""
    report = tmp_path / "report.md"
    report.write_text("## report\n")
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never answers
        port = server.getsockname()[1]
        env = {
            **os.environ,
            "GITHUB_TOKEN": WORKFLOW_TOKEN,
            "GITHUB_API_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("MODELCI_DEBUG", None)
        process = subprocess.Popen(
            [*COMMENT, "--report", str(report), "--repo", "octo-org/model-repo", "--pr", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        server.settimeout(30)
        connection, _ = server.accept()  # modelci is now waiting for the answer
        with connection:
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert err == "Interrupted.\n"


def test_each_configuration_problem_is_its_own_annotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from modelci.cli.main import cli

    params = tmp_path / "params.yaml"
    params.write_text(
        "modelci:\n  gates:\n    - {metric: f1, threshold: high}\n  report: {titel: x}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 3
    annotations = [line for line in result.output.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 2, result.output
    assert annotations[0].startswith("::error file=params.yaml,line=3,")
    assert annotations[1].startswith("::error file=params.yaml,line=4,")
