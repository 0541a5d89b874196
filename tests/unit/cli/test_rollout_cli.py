"""`modelci rollout`: the commands on real processes, exact exit codes and messages."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests
import yaml
from click.testing import CliRunner

from modelci.cli.main import cli
from modelci.cli.rollout import SUBCOMMANDS
from tests.support.routing import echo_command


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rollout", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    if (tmp_path / ".modelci/rollouts/staging/state.json").exists():
        run("stop", "--env", "staging", "-C", str(tmp_path))


def start_args(project: Path, canary: str = "fraud-detector@v1.3.0") -> list[str]:
    return [
        "start", "--env", "staging", "-C", str(project),
        "--canary", canary, "--canary-command", shlex.join(echo_command("canary")),
        "--stable", "fraud-detector@v1.2.0", "--stable-command", shlex.join(echo_command("stable")),
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_rollout_command_has_help_with_an_example(name: str) -> None:
    code, out, _ = run(name, "--help")
    assert code == 0
    assert "Example" in out


def test_start_status_refuse_abort_stop(project: Path) -> None:
    code, out, err = run(*start_args(project), "--format", "json")
    assert (code, err) == (0, "")
    started = json.loads(out)
    assert started["action"] == "started"
    assert started["state"]["canary_percent"] == 10
    router = started["state"]["router"]["url"]
    assert requests.get(f"{router}/x", timeout=5).status_code == 200

    code, out, _ = run("status", "--env", "staging", "-C", str(project))
    assert code == 0
    assert out.splitlines()[0] == "Rollout in staging: running, canary at 10%"
    assert "weights 90/10 (stable/canary)" in out

    code, _, err = run(*start_args(project, "fraud-detector@v1.4.0"))
    assert code == 2
    assert err.splitlines()[0] == (
        "Error: a rollout already runs in environment 'staging': canary fraud-detector@v1.3.0 "
        "against stable fraud-detector@v1.2.0, running, step 1 of 4, canary at 10%"
    )

    code, out, _ = run("abort", "--env", "staging", "-C", str(project), "--reason", "errors")
    assert code == 0
    assert out.splitlines()[0] == "Rolled back: errors."
    code, out, _ = run("status", "--env", "staging", "-C", str(project), "--format", "json")
    status = json.loads(out)
    assert (status["weights"], status["alive"]) == (
        [100, 0],
        {"router": True, "stable": True, "canary": False},
    )
    code, out, _ = run("stop", "--env", "staging", "-C", str(project))
    assert (code, out) == (0, "Stopped the rollout in 'staging'.\n")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{router}/x", timeout=5)


def test_start_needs_a_card_a_command_or_an_image(project: Path) -> None:
    code, _, err = run("start", "--env", "staging", "-C", str(project), "--canary", "m@v2")
    assert code == 2
    assert err.splitlines()[0] == (
        "Error: give the stable one of --stable-card, --stable-command or --stable-image "
        "(exactly one)"
    )


def test_start_refuses_two_ways_to_run_one_server(project: Path) -> None:
    code, _, err = run(
        "start", "--env", "staging", "-C", str(project), "--canary", "m@v2",
        "--canary-command", "true", "--canary-image", "localhost/m:v2", "--stable-command", "true",
    )  # fmt: skip
    assert code == 2
    assert err.splitlines()[0].startswith("Error: give the canary one of --canary-card,")
    assert not (project / ".modelci/rollouts/staging/state.json").exists()


def test_an_image_server_without_a_reachable_engine_is_a_service_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DOCKER_HOST names the engine, as for `modelci image build`; nothing is left running."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{project}/no-engine.sock")
    args = start_args(project)
    args[args.index("--stable-command") : args.index("--stable-command") + 2] = [
        "--stable-image", "localhost/fraud-detector:v1.2.0",
    ]  # fmt: skip
    code, _, err = run(*args)
    assert code == 6, err
    assert err.splitlines()[0].startswith("Error: cannot reach the container engine")
    assert "Hint: Start Docker (or `podman system service" in err
    assert not (project / ".modelci/rollouts/staging/state.json").exists()


def test_commands_on_no_rollout_exit_2_with_a_hint(project: Path) -> None:
    code, _, err = run("promote", "--env", "staging", "-C", str(project))
    assert code == 2
    assert err.splitlines() == [
        f"Error: no rollout in environment 'staging' (no {project}/.modelci/rollouts/staging/state.json)",
        "Hint: Start one with `modelci rollout start`.",
    ]


def test_render_writes_the_manifests(tmp_path: Path) -> None:
    digest = "sha256:" + "0f" * 32
    code, out, _ = run(
        "render", "--target", "kubernetes", "--out", str(tmp_path), "--name", "fraud-detector",
        "--image", "registry.example/acme/fraud-detector:v1.3.0", "--digest", digest,
        "--engine", "kserve", "--steps", "5,100", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "image": f"registry.example/acme/fraud-detector:v1.3.0@{digest}",
        "files": [str(tmp_path / "kserve/inferenceservice.yaml")],
    }
    isvc = yaml.safe_load((tmp_path / "kserve/inferenceservice.yaml").read_text())
    assert isvc["spec"]["predictor"]["canaryTrafficPercent"] == 5


def test_render_refuses_a_bad_digest(tmp_path: Path) -> None:
    code, _, err = run(
        "render", "--out", str(tmp_path), "--name", "m", "--image", "r/m:v1", "--digest", "abc"
    )
    assert code == 2
    assert err.splitlines()[0] == "Error: invalid image digest 'abc'"
    assert list(tmp_path.iterdir()) == []


def test_the_rollout_outlives_the_command_that_started_it(project: Path) -> None:
    """As users run it: each command its own process; the servers keep running in between."""

    def modelci(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "modelci", "rollout", *args],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    started = modelci(*start_args(project), "--format", "json")
    assert started.returncode == 0, started.stderr
    state = json.loads(started.stdout)["state"]
    canary_pid = state["canary"]["pid"]
    assert requests.get(f"{state['router']['url']}/x", timeout=5).status_code == 200
    aborted = modelci("abort", "--env", "staging", "-C", str(project), "--reason", "by hand")
    assert (aborted.returncode, aborted.stdout.splitlines()[0]) == (0, "Rolled back: by hand.")
    assert not psutil.pid_exists(canary_pid)  # stopped by a process that is not its parent
    answer = requests.get(f"{state['router']['url']}/x", timeout=5)
    assert answer.json() == {"upstream": "stable"}
    stopped = modelci("stop", "--env", "staging", "-C", str(project))
    assert stopped.returncode == 0, stopped.stderr
    assert not psutil.pid_exists(state["stable"]["pid"])
    assert not psutil.pid_exists(state["router"]["pid"])


@pytest.mark.parametrize("name", ["start", "render", "status"])
def test_rollout_help_imports_no_heavy_library(name: str) -> None:
    code = (
        "import sys\nfrom modelci.cli.main import cli\n"
        f"try:\n    cli.main(args=['rollout', {name!r}, '--help'], prog_name='modelci')\n"
        "except SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    assert loaded.isdisjoint({"requests", "psutil", "yaml", "pydantic", "pandas"}), loaded
