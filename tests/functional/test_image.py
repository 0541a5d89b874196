"""`modelci image build --push` against real parts: podman's Docker API and a local registry.

One image is built for the session, from the locally made Python base image (shared by every
worker and run, see tests/support/containers.py), pushed, and then inspected from every side:
the registry's tag list and manifest digest, the labels, the files, the user it runs as, the
SBOM, the card. Its size is printed for the benchmark's comparison. The same image then
serves both model servers of a rollout, as containers behind a real Caddy.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.containers import (
    Registry,
    build_cache_in_use,
    container_env,
    ensure_base_image,
    local_registry,
    podman_service,
    prune_builder_stages,
    refused_registry_port,
    require_container_tools,
)
from tests.support.model_project import make_project
from tests.support.tools import require_tool

NAME = "octo-org/fraud"
# One worker builds the one image for all of these (make test runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("image")


@dataclass
class Built:
    root: Path
    card: Path
    context: Path
    registry: Registry
    docker_host: str
    base_image: str
    repository: str
    result: dict[str, Any]
    run: subprocess.CompletedProcess[str]


def modelci(cwd: Path, docker_host: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**container_env(), "DOCKER_HOST": docker_host, "NO_COLOR": "1"},
        timeout=1200,
    )


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Registry, str]]:
    require_container_tools()
    work = tmp_path_factory.mktemp("engine")
    base = ensure_base_image()
    with (
        build_cache_in_use(),  # a rebuild here must be the same image: the cache must stay
        podman_service(work) as docker_host,
        local_registry(work) as registry,
    ):
        yield docker_host, registry, base


@pytest.fixture(scope="session")
def built(
    engine: tuple[str, Registry, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    docker_host, registry, base = engine
    root = tmp_path_factory.mktemp("project")
    card = make_project(root)
    packaged = modelci(root, docker_host, "package", "--out", "build/image")
    assert packaged.returncode == 0, packaged.stderr
    repository = f"{registry.host}/{NAME}"
    run = modelci(
        root,
        docker_host,
        "image",
        "build",
        "--base-image",
        base,
        "--push",
        repository,
        "--format",
        "json",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    print(f"\nimage size: {result['size'] / 1e6:.0f} MB ({result['size']} bytes), {base} base")
    yield Built(
        root, card, root / "build/image", registry, docker_host, base, repository, result, run
    )
    # Nearly a gigabyte each: leave the engine's storage as it was (the base image stays).
    client = _client(docker_host)
    try:
        client.images.remove(result["image_id"], force=True)
        prune_builder_stages(client)
    finally:
        client.close()


def _client(docker_host: str) -> Any:
    import docker

    return docker.DockerClient(base_url=docker_host, timeout=300)


def _run_in(built: Built, *command: str) -> str:
    client = _client(built.docker_host)
    try:
        output = client.containers.run(built.result["image_id"], list(command), remove=True)
    finally:
        client.close()
    return bytes(output).decode().strip()


def test_the_registry_holds_the_version_and_commit_tags_at_the_recorded_digest(
    built: Built,
) -> None:
    commit = json.loads(built.card.read_text())["git"]["commit"]
    assert built.registry.tags(NAME) == sorted(["v1.2.0", commit])
    digest = built.registry.manifest_digest(NAME, "v1.2.0")
    assert built.registry.manifest_digest(NAME, commit) == digest
    assert built.result["digest"] == digest
    image = json.loads(built.card.read_text())["image"]
    assert (image["ref"], image["digest"]) == (f"{built.repository}:v1.2.0", digest)
    assert f"pushed {built.repository}:v1.2.0 {digest}" in built.run.stderr


def test_the_image_carries_the_oci_labels(built: Built) -> None:
    from modelci.packaging.card import read_card

    card = read_card(built.card)
    labels = built.result["labels"]
    assert labels["org.opencontainers.image.revision"] == card.commit
    assert labels["org.opencontainers.image.version"] == "v1.2.0"
    assert labels["org.opencontainers.image.source"] == "https://github.com/octo-org/model-repo"
    assert labels["io.modelci.model-card.digest"] == card.digest
    committed = subprocess.run(
        ["git", "show", "-s", "--format=%cI", card.commit or ""],
        cwd=built.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert labels["org.opencontainers.image.created"] == committed.replace("+00:00", "Z")


def test_the_healthcheck_probes_readiness(built: Built) -> None:
    # The Docker API of podman 4 leaves the health check out of its answer; podman shows it.
    run = subprocess.run(
        ["podman", "image", "inspect", built.result["image_id"]],
        capture_output=True,
        text=True,
        check=True,
        env=container_env(),
    )
    [image] = json.loads(run.stdout)
    test = image["Healthcheck"]["Test"]
    assert test[:2] == ["CMD", "/opt/venv/bin/python"]
    assert "http://127.0.0.1:8080/v2/health/ready" in test[-1]


def test_a_container_runs_as_the_unprivileged_user_with_modelci_installed(built: Built) -> None:
    assert _run_in(built, "id", "-u") == "10001"
    assert _run_in(built, "modelci", "--version") == "modelci, version 0.1.0"


def test_the_model_and_card_are_in_the_image_byte_for_byte(built: Built) -> None:
    listing = _run_in(
        built,
        "python3",
        "-c",
        "import hashlib,sys; print(*(hashlib.sha256(open(p,'rb').read()).hexdigest() "
        "for p in sys.argv[1:]))",
        "/model/model-card.json",
        "/model/models/model.pkl",
    )
    card_in_image, model_in_image = listing.split()
    packaged_card = (built.context / "model/model-card.json").read_bytes()
    assert card_in_image == hashlib.sha256(packaged_card).hexdigest()
    assert model_in_image == json.loads(packaged_card)["model"]["sha256"]


def test_the_sbom_lists_exactly_the_served_environment(built: Built) -> None:
    sbom = json.loads((built.root / built.result["sbom"]).read_text())
    assert sbom["bomFormat"] == "CycloneDX"
    from packaging.utils import canonicalize_name

    components = {canonicalize_name(c["name"]): c["version"] for c in sbom["components"]}
    pinned = dict(
        line.split(" ")[0].split("==")
        for line in (built.context / "wheels/requirements.txt").read_text().splitlines()
    )
    # Every pinned distribution at its pinned version; the SBOM tool's own ones are absent.
    assert {name: components.get(name) for name in pinned} == pinned
    assert "cyclonedx-bom" not in components


def test_a_second_build_and_push_is_idempotent(built: Built) -> None:
    card_before = built.card.read_bytes()
    run = modelci(
        built.root,
        built.docker_host,
        "image",
        "build",
        "--base-image",
        built.base_image,
        "--push",
        built.repository,
        "--format",
        "json",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    again = json.loads(run.stdout)
    # Same context, same creation time (the commit's): the same image, nothing new recorded.
    assert (again["image_id"], again["digest"]) == (
        built.result["image_id"],
        built.result["digest"],
    )
    assert again["card_updated"] is False
    assert built.card.read_bytes() == card_before
    assert len(built.registry.tags(NAME)) == 2


def test_a_push_to_an_unreachable_registry_fails_cleanly_and_records_nothing(
    built: Built,
) -> None:
    from modelci.adapters.docker import DockerEngine
    from modelci.errors import ServiceError
    from modelci.operations.image import build_image

    card_before = built.card.read_bytes()
    lines: list[str] = []
    engine = DockerEngine(_client(built.docker_host), push_attempts=2, max_wait=0)
    with refused_registry_port() as port:
        unreachable = f"127.0.0.1:{port}/{NAME}"
        with pytest.raises(ServiceError, match=rf"pushing {unreachable}:v1\.2\.0 failed") as error:
            build_image(
                engine,
                built.context,
                base_image=built.base_image,
                repository=unreachable,
                push=True,
                card_path=built.card,
                progress=lines.append,
            )
    assert "(after 2 attempts)" in error.value.message
    assert f"push of {unreachable}:v1.2.0 failed (attempt 1), retrying" in lines
    assert built.card.read_bytes() == card_before


def test_docker_host_decides_the_engine(tmp_path: Path, built: Built) -> None:
    """The CLI talks to the engine DOCKER_HOST names: a dead socket is a clear service error."""
    dead = f"unix://{tmp_path}/nothing.sock"
    run = modelci(built.root, dead, "image", "build", "--base-image", built.base_image)
    assert run.returncode == 6, run.stderr
    assert "Error: cannot reach the container engine" in run.stderr
    assert "Hint: Start Docker (or `podman system service" in run.stderr
    assert os.environ.get("DOCKER_HOST") != dead


def test_the_release_after_the_push_carries_the_pushed_image_and_its_sbom(built: Built) -> None:
    """The whole chain on real parts; the release fails once after the push, then completes."""
    from tests.support.fake_github import DEFAULT_REPO, WORKFLOW_TOKEN, FakeGitHub

    with FakeGitHub() as fake:
        args = ["release", "create", "--sbom", built.result["sbom"], "--repo", DEFAULT_REPO]
        env = {"GITHUB_TOKEN": WORKFLOW_TOKEN, "GITHUB_API_URL": fake.url}
        fake.enqueue_server_error(503, method="POST", path="/assets$", times=2)
        failed = _modelci_env(built, env, *args)
        assert failed.returncode == 6, failed.stderr
        [draft] = fake.releases(DEFAULT_REPO)
        assert draft.draft is True

        done = _modelci_env(built, env, *args, "--format", "json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["action"] == "completed"
        [release] = fake.releases(DEFAULT_REPO)
        assert (release.id, release.draft, release.tag_name) == (draft.id, False, "fraud@v1.2.0")
        reference = f"{built.repository}@{built.result['digest']}"
        assert f"docker run --rm -p 8080:8080 {reference}" in (release.body or "")
        assets = {a.name: a.content for a in release.assets}
        assert assets == {
            "model-card.json": built.card.read_bytes(),
            "sbom.cdx.json": (built.root / built.result["sbom"]).read_bytes(),
        }


def _modelci_env(built: Built, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelci", *args],
        cwd=built.root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env, "NO_COLOR": "1"},
        timeout=300,
    )


@pytest.fixture(scope="module")
def servable(built: Built) -> Iterator[str]:
    """The built image with a card `modelci serve` accepts (features, format, schema) in place
    of the packaging test's bare one: one committed layer over it, no second build."""
    import pandera.pandas as pa

    schema = pa.DataFrameSchema({"x": pa.Column(float, nullable=False)}, coerce=True).to_yaml()
    card = {
        "name": "fraud",
        "version": "v1.2.0",
        "features": ["x"],
        "model": {
            "path": "models/model.pkl",
            "sha256": hashlib.sha256((built.root / "models/model.pkl").read_bytes()).hexdigest(),
            "format": "pickle",
            "trusted_types": [],
        },
        "schemas": [
            {
                "dataset": "points",
                "content": schema,
                "sha256": hashlib.sha256(str(schema).encode()).hexdigest(),
            }
        ],
    }
    blob = json.dumps(card).encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("model-card.json")
        info.size, info.mode = len(blob), 0o644
        tar.addfile(info, io.BytesIO(blob))
    client = _client(built.docker_host)
    reference = "localhost/modelci-test/servable:rollout"
    try:
        container = client.containers.create(built.result["image_id"])  # never started
        try:
            assert container.put_archive("/model", archive.getvalue())
            container.commit(repository="localhost/modelci-test/servable", tag="rollout")
        finally:
            container.remove(force=True)
        yield reference
    finally:
        with contextlib.suppress(Exception):
            client.images.remove(reference, force=True)
        client.close()


def _labelled(built: Built, project: Path) -> dict[str, str]:
    """The role of each container (running or not) labelled as the rollout in `project`."""
    client = _client(built.docker_host)
    try:
        found = client.containers.list(
            all=True, filters={"label": f"io.modelci.rollout.project={project}"}
        )
        return {c.id: c.labels["io.modelci.rollout.role"] for c in found}
    finally:
        client.close()


def _through(router: str, n: int) -> list[tuple[int, str]]:
    """`n` predictions through the router: each answer's status and the upstream that gave it."""
    answers = []
    with requests.Session() as session:
        for i in range(n):
            answer = session.post(f"{router}/predict", json=[{"x": i % 4 + 0.5}], timeout=30)
            answers.append((answer.status_code, answer.headers.get("Modelci-Upstream", "")))
    return answers


def test_a_rollout_runs_both_servers_as_containers_of_the_image_behind_caddy(
    built: Built, servable: str, tmp_path: Path
) -> None:
    """start, a crashed canary container resumed, abort (the canary container stopped and
    removed, the stable still answering), stop (no container of the rollout left)."""
    require_tool("caddy")
    project = tmp_path / "project"
    project.mkdir()
    rollout = ("rollout", "-C", str(project), "--env", "production", "--format", "json")
    start = (
        *("rollout", "start", "-C", str(project), "--env", "production", "--format", "json"),
        *("--steps", "50,100", "--ready-timeout", "180"),
        *("--canary", "fraud@v1.2.0", "--canary-image", servable),
        *("--stable", "fraud@v1.1.0", "--stable-image", servable),
    )
    try:
        started = modelci(project, built.docker_host, *start)
        assert started.returncode == 0, started.stderr
        state = json.loads(started.stdout)["state"]
        stable, canary = state["stable"], state["canary"]
        assert (stable["image"], canary["image"], stable["pid"], canary["pid"]) == (
            servable, servable, None, None,
        )  # fmt: skip
        assert _labelled(built, project) == {
            stable["container"]: "stable",
            canary["container"]: "canary",
        }
        router = state["router"]["url"]
        answers = _through(router, 120)  # weighted round robin: runs of up to 50 each
        assert {status for status, _ in answers} == {200}
        hostport = {role: server["url"].removeprefix("http://") for role, server in
                    (("stable", stable), ("canary", canary))}  # fmt: skip
        assert {upstream for _, upstream in answers} == set(hostport.values())

        # A canary container that dies: `start` again brings the whole rollout back up.
        client = _client(built.docker_host)
        try:
            client.containers.get(canary["container"]).kill()
        finally:
            client.close()
        status = modelci(project, built.docker_host, "rollout", "status", *rollout[1:])
        assert json.loads(status.stdout)["alive"] == {
            "router": True, "stable": True, "canary": False,
        }  # fmt: skip
        resumed = modelci(project, built.docker_host, *start)
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout)["action"] == "resumed"
        state = json.loads(resumed.stdout)["state"]
        stable, canary = state["stable"], state["canary"]
        assert set(_labelled(built, project)) == {stable["container"], canary["container"]}
        router = state["router"]["url"]

        aborted = modelci(project, built.docker_host, "rollout", "abort", *rollout[1:])
        assert aborted.returncode == 0, aborted.stderr
        assert json.loads(aborted.stdout)["state"]["canary"]["container"] is None
        assert _labelled(built, project) == {stable["container"]: "stable"}
        after = _through(router, 20)
        assert after == [(200, stable["url"].removeprefix("http://"))] * 20

        stopped = modelci(project, built.docker_host, "rollout", "stop", *rollout[1:])
        assert stopped.returncode == 0, stopped.stderr
        assert _labelled(built, project) == {}
        with pytest.raises(requests.ConnectionError):
            requests.get(router, timeout=5)
    finally:
        modelci(project, built.docker_host, "rollout", "stop", *rollout[1:])
        client = _client(built.docker_host)
        try:
            for container_id in _labelled(built, project):
                client.containers.get(container_id).remove(force=True)
        finally:
            client.close()
