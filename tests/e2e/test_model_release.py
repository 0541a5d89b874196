"""model-release.yml end to end: a pushed registry tag becomes an image, its provenance and a release.

One caller repository for the module: the reference pipeline trained on `main` (caller.py), its
model registered as `fraud-detector@v1.0.0` by `modelci registry register` (the check runs
for real), and a workflow that calls modelci/modelci/.github/workflows/model-release.yml@main on
`push: tags`, as the README shows. act runs it on GitHub's own tag-push payload
(@octokit/webhooks-examples) moved to that tag, jobs on the host, against podman's Docker API
(DOCKER_HOST), a local docker-registry and the fake GitHub behind Prism:

1. with the registry down: the job fails at the push; no release, no attestation, no image;
2. the registry up (same port, same storage), the same event again: everything is made;
3. once more: nothing new (the same digest, release, assets).

The image is then read back from the registry (tags, manifest, labels), pulled and run: as the
unprivileged user, ready, scoring held-out rows exactly as the model loaded here; with a tampered
model file it refuses to start. The base image is the shared debootstrap'd one (containers.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest
import requests
import yaml

from tests.support.containers import (
    Registry,
    build_cache_in_use,
    ensure_base_image,
    local_registry,
    podman_service,
    prune_builder_stages,
    refused_registry_port,
    require_container_tools,
)
from tests.support.fake_github import WORKFLOW_TOKEN, FakeGitHub
from tests.support.prism import ContractCheck, PrismProxy

from .caller import CALLER_REPOSITORY, DVC_CACHE_SEED_KEY, CallerRepo, git
from .conftest import MODELCI_VENV_SEED_KEY, Session
from .events import tag_push_event, workflow_dispatch_event
from .harness import OUR_REPOSITORY, REPO_ROOT, ActResult, stand_in_repositories

# The image is built once for the module: every test here runs on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("model-release")]

MODEL_RELEASE = REPO_ROOT / ".github" / "workflows" / "model-release.yml"
WORKFLOW = ".github/workflows/release.yml"  # the caller's
MODEL = "fraud-detector"
VERSION = "v1.0.0"
TAG = f"{MODEL}@{VERSION}"
IMAGE_NAME = "octo-org/fraud-model"
GRANTS = {
    "contents": "write",
    "packages": "write",
    "id-token": "write",
    "attestations": "write",
}
PRINTED = ("image", "digest", "image-reference", "release-url")
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


def release_caller_workflow(image_repository: str, base_image: str) -> str:
    """The caller's workflow, as the README shows it, plus a job printing the outputs."""
    workflow = {
        "name": "release",
        "on": {
            "push": {"tags": ["*@v*"]},
            "workflow_dispatch": {"inputs": {"tag": {"required": True, "type": "string"}}},
        },
        "permissions": {},
        "jobs": {
            "release": {
                "permissions": dict(GRANTS),
                "uses": f"{OUR_REPOSITORY}/.github/workflows/model-release.yml@main",
                "with": {
                    "tag": "${{ inputs.tag }}",
                    "image-repository": image_repository,
                    "base-image": base_image,
                },
            },
            "after": {
                "needs": "release",
                "if": "always()",
                "runs-on": "ubuntu-latest",
                "steps": [
                    {
                        "env": {
                            _env_name(name): f"${{{{ needs.release.outputs.{name} }}}}"
                            for name in PRINTED
                        },
                        "run": "".join(
                            f'echo "E2E-OUTPUT {name}=${{{_env_name(name)}}}"\n' for name in PRINTED
                        ),
                    }
                ],
            },
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def _env_name(output: str) -> str:
    return output.upper().replace("-", "_")


def _outputs(result: ActResult) -> dict[str, str]:
    return dict(re.findall(r"^E2E-OUTPUT ([\w-]+)=(.*)$", result.step_output, re.M))


@dataclasses.dataclass
class Release:
    """The module's world: the caller, the engine, the registry and the runs made so far."""

    e2e: Session
    act: Any  # harness.Act with model-release.yml's pinned actions mapped
    caller: CallerRepo
    github: FakeGitHub
    proxy: PrismProxy
    contract: ContractCheck  # every API call of the module's runs against GitHub's description
    docker_host: str
    registry: Registry
    repository: str  # REGISTRY/NAME the workflow pushes to
    work: Path
    commit: str  # the registered commit
    attestations: Path
    down: ActResult  # the run with the registry down
    down_state: dict[str, Any]  # what existed right after it
    first: ActResult  # the run that completed the release

    def run(self, name: str, cache: Path | None = None, dispatch: str | None = None) -> ActResult:
        """The caller's workflow on the tag push, or dispatched by hand with `dispatch` as tag."""
        cache = cache or self.work / "cache-store"
        if dispatch is None:
            name_and_event = ("push", tag_push_event(CALLER_REPOSITORY, tag=TAG, sha=self.commit))
        else:
            inputs = {"tag": dispatch}
            name_and_event = (
                "workflow_dispatch",
                workflow_dispatch_event(CALLER_REPOSITORY, workflow=WORKFLOW, inputs=inputs),
            )
        return self.act.run(  # type: ignore[no-any-return]
            self.caller.path,
            *name_and_event,
            workdir=self.work / "act" / name,
            workflow=WORKFLOW,
            env={
                "GITHUB_API_URL": self.proxy.url,
                "MODELCI_E2E_CACHE": str(cache),
                "MODELCI_E2E_ARTIFACTS": str(self.work / "artifacts" / name),
                "MODELCI_E2E_ATTESTATIONS": str(self.attestations),
                "DOCKER_HOST": self.docker_host,
            },
            secrets={"GITHUB_TOKEN": WORKFLOW_TOKEN},
        )

    def client(self) -> Any:
        import docker

        return docker.DockerClient(base_url=self.docker_host, timeout=300)

    def statements(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.attestations.glob("*.intoto.json"))]


def _register(caller: CallerRepo) -> str:
    """`modelci registry register --version v1.0.0` on main's tip: the check runs, the tag is made."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    run = subprocess.run(
        [sys.executable, "-m", "modelci", "registry", "register", "--version", VERSION],
        cwd=caller.path,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for written in ("model-card.json", "model-card.md", "report.md", "report.json"):
        (caller.path / written).unlink(missing_ok=True)
    return git(caller.path, "rev-parse", f"refs/tags/{TAG}^{{commit}}")


@pytest.fixture(scope="module")
def release(
    e2e: Session,
    reference_caller: CallerRepo,
    github_api: tuple[FakeGitHub, PrismProxy],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Release]:
    require_container_tools()
    fake, proxy = github_api
    fake.reset()
    fake.add_repo(CALLER_REPOSITORY, pulls=())
    work = tmp_path_factory.mktemp("model-release")
    base = ensure_base_image()
    mapped = stand_in_repositories([MODEL_RELEASE], e2e.act.our_export, [])
    act = dataclasses.replace(e2e.act, local_repositories={**e2e.act.local_repositories, **mapped})
    cache = work / "cache-store"
    shutil.copytree(reference_caller.dvc_cache, cache / DVC_CACHE_SEED_KEY / "0")
    shutil.copytree(e2e.modelci_seed, cache / MODELCI_VENV_SEED_KEY / "0", symlinks=True)

    with contextlib.ExitStack() as stack:
        # The dispatched re-run must rebuild the same image from the engine's cache.
        stack.enter_context(build_cache_in_use())
        docker_host = stack.enter_context(podman_service(work))
        caller = CallerRepo.clone_from(reference_caller, work / "caller")
        git(caller.path, "checkout", "-q", "main")
        with refused_registry_port() as port:
            repository = f"127.0.0.1:{port}/{IMAGE_NAME}"
            caller.write_workflow(release_caller_workflow(repository, base), "release.yml")
            caller.commit("Release registered versions")
            commit = _register(caller)
            world = Release(
                e2e,
                act,
                caller,
                fake,
                proxy,
                ContractCheck(proxy),
                docker_host,
                Registry(f"127.0.0.1:{port}"),
                repository,
                work,
                commit,
                work / "attestations",
                down=None,  # type: ignore[arg-type]
                down_state={},
                first=None,  # type: ignore[arg-type]
            )
            world.down = world.run("registry-down")
            world.down_state = {
                "releases": fake.releases(CALLER_REPOSITORY),
                "statements": world.statements(),
            }
        # The registry comes up on the port the workflow pushes to; the same event is sent again.
        world.registry = stack.enter_context(local_registry(work, port=port))
        world.first = world.run("first")
        yield world
        client = world.client()
        try:  # nearly a gigabyte each: leave the engine's storage as it was (the base stays)
            for image in client.images.list(name=repository):
                with contextlib.suppress(Exception):
                    client.images.remove(image.id, force=True)
            prune_builder_stages(client)
        finally:
            client.close()


def _ran(result: ActResult) -> set[str]:
    """The steps whose main part ran (act reports pre and post parts apart)."""
    return {
        e["step"]
        for e in result.events
        if e.get("stage") == "Main" and e.get("stepResult") not in (None, "skipped")
    }


def _job(result: ActResult, expected: str) -> None:
    assert result.job_results().get("release") == expected, result.describe()


def test_a_push_to_a_registry_that_is_down_fails_and_leaves_nothing_half_made(
    release: Release,
) -> None:
    _job(release.down, "failure")
    log = release.down.log
    assert f"pushing {release.repository}:{VERSION} failed" in log, release.down.describe()
    assert "(after 5 attempts)" in log
    # The tag was checked against the registry and the model verified before anything was built.
    assert f"Releasing {TAG} at {release.commit}." in log
    assert "as fraud-detector@v1.0.0's card records." in log
    # Nothing after the push ran: no attestation, no release (not even a draft).
    assert release.down_state == {"releases": [], "statements": []}
    assert _outputs(release.down).get("digest", "") == ""


def test_the_rerun_pushes_the_version_and_commit_tags_with_the_oci_labels(
    release: Release,
) -> None:
    _job(release.first, "success")
    outputs = _outputs(release.first)
    registry = release.registry
    assert registry.tags(IMAGE_NAME) == sorted([VERSION, release.commit])
    digest = registry.manifest_digest(IMAGE_NAME, VERSION)
    assert registry.manifest_digest(IMAGE_NAME, release.commit) == digest
    assert outputs == {
        "image": f"{release.repository}:{VERSION}",
        "digest": digest,
        "image-reference": f"{release.repository}@{digest}",
        "release-url": f"https://github.com/{CALLER_REPOSITORY}/releases/tag/{quote(TAG, safe='')}",
    }
    labels = _registry_labels(registry, digest)
    assert labels["org.opencontainers.image.version"] == VERSION
    assert labels["org.opencontainers.image.revision"] == release.commit
    assert labels["org.opencontainers.image.source"] == f"https://github.com/{CALLER_REPOSITORY}"
    committed = git(release.caller.path, "show", "-s", "--format=%cI", release.commit)
    assert labels["org.opencontainers.image.created"] == committed.replace("+00:00", "Z")
    [card_asset] = [a for a in _the_release(release).assets if a.name == "model-card.json"]
    assert labels["io.modelci.model-card.digest"] == _card_digest(json.loads(card_asset.content))


def _registry_labels(registry: Registry, digest: str) -> dict[str, str]:
    """The image config's labels, read from the registry (manifest, then the config blob)."""
    manifest = requests.get(
        f"{registry.url}/v2/{IMAGE_NAME}/manifests/{digest}",
        headers={"Accept": ", ".join(MANIFEST_TYPES)},
        timeout=10,
    )
    manifest.raise_for_status()
    config_digest = manifest.json()["config"]["digest"]
    blob = requests.get(f"{registry.url}/v2/{IMAGE_NAME}/blobs/{config_digest}", timeout=30)
    blob.raise_for_status()
    return dict(blob.json()["config"]["Labels"])


def _card_digest(card: dict[str, Any]) -> str:
    from modelci.packaging.card import CardModel

    return CardModel(Path("model-card.json"), card).digest


def _the_release(release: Release) -> Any:
    [published] = release.github.releases(CALLER_REPOSITORY)
    return published


def test_the_release_holds_the_card_and_the_sbom_and_the_image_is_attested(
    release: Release,
) -> None:
    _job(release.first, "success")
    digest = _outputs(release.first)["digest"]
    published = _the_release(release)
    assert (published.tag_name, published.draft) == (TAG, False)
    assets = {a.name: a.content for a in published.assets}
    assert set(assets) == {"model-card.json", "sbom.cdx.json"}
    card = json.loads(assets["model-card.json"])
    assert (card["name"], card["version"], card["git"]["commit"]) == (
        MODEL,
        VERSION,
        release.commit,
    )
    assert card["image"]["ref"] == f"{release.repository}:{VERSION}"
    assert card["image"]["digest"] == digest
    sbom = json.loads(assets["sbom.cdx.json"])
    assert sbom["bomFormat"] == "CycloneDX"
    served = {c["name"].lower() for c in sbom["components"]}
    assert {"modelci", "scikit-learn", "skops"} <= served
    assert f"{release.repository}@{digest}" in (published.body or "")
    [statement] = release.statements()
    assert statement["subject"] == [
        {"name": release.repository, "digest": {"sha256": digest.removeprefix("sha256:")}}
    ]
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    release.contract.verify()


@contextlib.contextmanager
def _container(release: Release, **options: Any) -> Iterator[Any]:
    client = release.client()
    try:
        digest = _outputs(release.first)["digest"]
        reference = f"{release.repository}@{digest}"
        client.images.pull(reference)  # from the registry, by digest
        container = client.containers.run(reference, detach=True, **options)
        try:
            yield container
        finally:
            with contextlib.suppress(Exception):
                container.remove(force=True)
    finally:
        client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_a_container_from_the_pushed_image_runs_unprivileged_and_scores_like_the_model(
    release: Release,
) -> None:
    _job(release.first, "success")
    from modelci.modelfile import load_workspace_model

    loaded = load_workspace_model(release.caller.path)  # hash-checked against training's record
    held_out = pd.read_parquet(release.caller.path / "data" / "test.parquet").iloc[:64]
    expected = loaded.model.predict_proba(held_out[loaded.features])[:, 1]

    port = _free_port()
    with _container(release, ports={"8080/tcp": ("127.0.0.1", port)}) as container:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(container, url)
        assert container.exec_run(["id", "-u"]).output.decode().strip() == "10001"
        answer = requests.post(
            f"{url}/predict",
            json=held_out[loaded.features].to_dict(orient="records"),
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        scores = np.asarray(answer.json()["scores"], dtype=float)
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-12)
    assert len(set(np.round(scores, 6))) > 1  # real scores of different rows, not one constant


def _wait_ready(container: Any, url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        if container.status not in ("created", "running"):
            raise AssertionError(f"the container stopped:\n{container.logs().decode()[-4000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/v2/health/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise AssertionError(f"not ready within {timeout} s:\n{container.logs().decode()[-4000:]}")


def test_a_tampered_model_file_makes_the_server_refuse_to_start(
    release: Release, tmp_path: Path
) -> None:
    _job(release.first, "success")
    card = json.loads(
        next(a for a in _the_release(release).assets if a.name == "model-card.json").content
    )
    tampered = tmp_path / "model.skops"
    blob = bytearray((release.caller.path / card["model"]["path"]).read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    tampered.write_bytes(bytes(blob))
    tampered.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    mount = {str(tampered): {"bind": f"/model/{card['model']['path']}", "mode": "ro"}}
    with _container(release, volumes=mount) as container:
        status = container.wait(timeout=180)
        logs = container.logs().decode(errors="replace")
    assert status["StatusCode"] == 7, logs  # ExitCode.MODEL_REFUSED
    assert f"but training recorded {card['model']['sha256']}" in logs, logs


def test_a_second_run_dispatched_by_hand_is_idempotent(release: Release) -> None:
    """The workflow_dispatch path (a tag pushed with the workflow's token starts nothing)."""
    _job(release.first, "success")
    before = _the_release(release)
    assets_before = {a.name: (a.id, a.content) for a in before.assets}
    tags_before = git(release.caller.path, "tag", "--list")

    again = release.run("again", dispatch=TAG)
    _job(again, "success")
    assert _outputs(again) == _outputs(release.first)  # the same image, by the same digest
    [after] = release.github.releases(CALLER_REPOSITORY)
    assert (after.id, after.body, after.draft) == (before.id, before.body, False)
    assert {a.name: (a.id, a.content) for a in after.assets} == assets_before
    assert release.registry.tags(IMAGE_NAME) == sorted([VERSION, release.commit])
    assert git(release.caller.path, "tag", "--list") == tags_before
    assert "Recorded the image" not in again.step_output
    release.contract.verify()


def test_a_poisoned_dvc_cache_is_refused_before_anything_is_built(
    release: Release, tmp_path: Path
) -> None:
    """DVC checks a model out of its cache without re-hashing it: the card's SHA-256 decides."""
    _job(release.first, "success")
    before = (release.registry.tags(IMAGE_NAME), release.github.releases(CALLER_REPOSITORY))
    cache = tmp_path / "cache-store"
    shutil.copytree(release.work / "cache-store", cache, symlinks=True)
    lock = yaml.safe_load((release.caller.path / "dvc.lock").read_text())
    [md5] = [o["md5"] for o in lock["stages"]["train"]["outs"] if o["path"] == "models/model.skops"]
    poisoned = list(cache.glob(f"modelci-dvc-*/0/files/md5/{md5[:2]}/{md5[2:]}"))
    assert poisoned, "the DVC cache entries hold the model"
    for entry in poisoned:
        blob = bytearray(entry.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        entry.chmod(0o644)
        entry.write_bytes(bytes(blob))

    result = release.run("poisoned", cache=cache)
    _job(result, "failure")
    [error] = [a for a in result.annotations() if a.get("title") == "modelci: model hash mismatch"]
    card = json.loads(
        next(a for a in _the_release(release).assets if a.name == "model-card.json").content
    )
    assert f"records {card['model']['sha256']}" in error["message"]
    assert "nothing was built" in error["message"]
    assert "No DVC remote configured: the model comes from the DVC cache." in result.log
    ran = _ran(result)
    assert "Verify the model file against its card" in ran
    assert not ran & {"Package the model", "Build and push the image"}
    assert (release.registry.tags(IMAGE_NAME), release.github.releases(CALLER_REPOSITORY)) == before


@pytest.mark.parametrize(
    ("tag", "title"),
    [
        (f"{MODEL}#production#1", "modelci: not a registry version"),  # a stage tag
        (f"{MODEL}@v9.9.9", "modelci: no such tag"),
    ],
)
def test_a_dispatch_for_anything_but_a_registered_version_stops_at_the_tag(
    release: Release, tag: str, title: str
) -> None:
    result = release.run(f"dispatch-{tag}", dispatch=tag)
    _job(result, "failure")
    assert [a["title"] for a in result.annotations()] == [title], result.describe()
    assert _ran(result) == {"Check out with every tag (the registry lives in them)", "Read the tag"}
