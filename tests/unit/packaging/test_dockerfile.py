"""The generated Dockerfile: hadolint clean, base image an argument, non-root, labelled, probed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from modelci.packaging.dockerfile import ImageSpec, render
from tests.support.tools import require_tool

LABELS = {
    "org.opencontainers.image.version": "v1.2.0",
    "org.opencontainers.image.title": 'a "quoted" $HOME name',
}


def test_hadolint_finds_nothing_in_the_generated_dockerfile(tmp_path: Path) -> None:
    hadolint = require_tool("hadolint")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(render(ImageSpec(LABELS)))
    run = subprocess.run(
        [hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert (run.returncode, run.stdout + run.stderr) == (0, "")


def test_hadolint_would_catch_a_root_image(tmp_path: Path) -> None:
    """The lint above can fail: a final stage left as root is reported (DL3002)."""
    hadolint = require_tool("hadolint")
    text = render(ImageSpec(LABELS)).replace("USER 10001:10001", "USER root")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    run = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert "DL3002" in run.stdout


def test_both_stages_start_from_the_base_image_argument() -> None:
    text = render(ImageSpec(LABELS))
    assert text.splitlines()[1] == "ARG BASE_IMAGE=python:3.11-slim"
    assert re.findall(r"^FROM .*$", text, re.M) == [
        "FROM ${BASE_IMAGE} AS builder",
        "FROM ${BASE_IMAGE}",
    ]


def test_the_build_installs_only_hash_checked_wheels_from_the_context() -> None:
    text = render(ImageSpec(LABELS))
    installs = re.findall(r"pip install ([^\n]*\n[^\n]*)", text)
    assert len(installs) == 2
    for command in installs:
        assert "--no-index" in command and "--require-hashes" in command


def test_labels_are_quoted_so_a_value_cannot_expand_or_break_out() -> None:
    text = render(ImageSpec(LABELS))
    assert '"org.opencontainers.image.title"="a \\"quoted\\" \\$HOME name"' in text
    assert '"org.opencontainers.image.created"="${CREATED}"' in text


def test_the_final_stage_runs_the_server_as_an_unprivileged_user_with_a_readiness_probe() -> None:
    final = render(ImageSpec(LABELS)).split("\nFROM ${BASE_IMAGE}\n")[1]
    assert "USER 10001:10001" in final
    assert "http://127.0.0.1:8080/v2/health/ready" in final.split("HEALTHCHECK", 1)[1]
    assert final.rstrip().endswith(
        'CMD ["modelci", "serve", "--model-card", "/model/model-card.json", "--port", "8080", '
        '"--host", "0.0.0.0"]'
    )
