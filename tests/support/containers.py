"""Real container parts for tests: podman's Docker API, a local registry, a local Python base image.

    podman system service  (Docker Engine API on a unix socket; CONTAINERS_CONF, registries.conf)
    docker-registry serve  (Docker's distribution registry on 127.0.0.1, plain HTTP)
    localhost/modelci-test-python-base:<key>  (debootstrap'd Debian bookworm with Python 3.11)

No image can be pulled on these machines, so the base image is made locally with debootstrap,
once per key: the key hashes what goes into it (suite, variant, packages), the root filesystem
tarball is cached under ~/.cache/modelci-tests/, and a file lock makes the pytest-xdist workers
of one run share one build. The apt mirror is read from the machine's apt sources at run time.
MODELCI_TEST_BASE_IMAGE names another base instead (python:3.11-slim where it can be pulled).

`require_container_tools()` skips locally and fails in CI (CI=true) when a part is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests
from filelock import FileLock

from tests.support.tools import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
CONF_DIR = Path(__file__).resolve().parent / "containers"
CONTAINERS_CONF = CONF_DIR / "containers.conf"
REGISTRIES_CONF = CONF_DIR / "registries.conf"
CACHE = Path(os.environ.get("MODELCI_TEST_CACHE", Path.home() / ".cache" / "modelci-tests"))

TOOLS = ("podman", "docker-registry", "debootstrap")
DEBIAN_PACKAGES = "podman buildah skopeo runc docker-registry debootstrap"
BASE_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
BASE_REPOSITORY = "localhost/modelci-test-python-base"
APT_SOURCES = (Path("/etc/apt/sources.list.d"), Path("/etc/apt/sources.list"))


def container_env() -> dict[str, str]:
    """The environment podman runs with: the repository's containers.conf and registries.conf."""
    return {
        **os.environ,
        "CONTAINERS_CONF": str(CONTAINERS_CONF),
        "CONTAINERS_REGISTRIES_CONF": str(REGISTRIES_CONF),
    }


def require_container_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        skip_or_fail(
            f"{', '.join(missing)} not installed (apt-get install -y {DEBIAN_PACKAGES}; .ci/run "
            "does it)"
        )


def _free_port(candidates: range | None = None) -> int:
    for port in candidates or [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            found: int = s.getsockname()[1]
            return found
    raise RuntimeError(f"no free port in {candidates}")


class _Service:
    """A background process in its own process group, its output in a log file."""

    def __init__(self, name: str, cmd: list[str], log_path: Path) -> None:
        self.name = name
        self.cmd = cmd
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self.cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=container_env(),
        )

    def wait_until(self, ready: object, timeout: float = 60.0) -> None:
        assert callable(ready)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.tail()}")
            with contextlib.suppress(OSError, requests.RequestException):
                if ready():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


@contextlib.contextmanager
def podman_service(workdir: Path) -> Iterator[str]:
    """`podman system service` on a socket in workdir; yields its DOCKER_HOST URL."""
    socket_path = workdir / "podman.sock"
    url = f"unix://{socket_path}"
    service = _Service(
        "podman system service",
        ["podman", "system", "service", "--time=0", url],
        workdir / "podman.log",
    )
    service.start()
    try:
        import docker

        def ready() -> bool:
            client = docker.DockerClient(base_url=url, timeout=5)
            try:
                return bool(client.ping())
            finally:
                client.close()

        service.wait_until(lambda: socket_path.exists() and ready())
        yield url
    finally:
        service.stop()


@dataclass(frozen=True)
class Registry:
    host: str  # 127.0.0.1:PORT, marked insecure in registries.conf

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def tags(self, name: str) -> list[str]:
        """`GET /v2/NAME/tags/list`: the tags the registry holds for a repository."""
        response = requests.get(f"{self.url}/v2/{name}/tags/list", timeout=10)
        response.raise_for_status()
        return sorted(response.json().get("tags") or [])

    def manifest_digest(self, name: str, tag: str) -> str:
        response = requests.head(
            f"{self.url}/v2/{name}/manifests/{tag}",
            headers={
                "Accept": ", ".join(
                    [
                        "application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json",
                    ]
                )
            },
            timeout=10,
        )
        response.raise_for_status()
        return response.headers["Docker-Content-Digest"]


def _registry_ports() -> range:
    """The ports registries.conf marks insecure (podman pushes over HTTP only to those)."""
    ports = sorted(
        int(p) for p in re.findall(r'location = "127\.0\.0\.1:(\d+)"', REGISTRIES_CONF.read_text())
    )
    return range(ports[0], ports[-1] + 1)


@contextlib.contextmanager
def local_registry(workdir: Path, port: int | None = None) -> Iterator[Registry]:
    """Docker's distribution registry, storing in workdir, on a port registries.conf allows
    (a free one, or `port`: started again on the same port and folder, it holds what it held)."""
    port = port or _free_port(_registry_ports())
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: warn}\n"
        f"storage: {{filesystem: {{rootdirectory: {workdir / 'registry-data'}}}, "
        "delete: {enabled: true}}\n"
        f"http: {{addr: '127.0.0.1:{port}'}}\n"
    )
    service = _Service(
        "docker-registry", ["docker-registry", "serve", str(config)], workdir / "registry.log"
    )
    service.start()
    registry = Registry(f"127.0.0.1:{port}")
    try:
        service.wait_until(
            lambda: requests.get(f"{registry.url}/v2/", timeout=2).status_code == 200
        )
        yield registry
    finally:
        service.stop()


@contextlib.contextmanager
def refused_registry_port() -> Iterator[int]:
    """A port registries.conf allows, bound but never listening: connections to it are refused,
    and no other test's registry can take it while it is held."""
    for port in _registry_ports():
        with socket.socket() as held:
            try:
                held.bind(("127.0.0.1", port))
            except OSError:
                continue  # another test's registry
            yield port
            return
    raise AssertionError("every port registries.conf allows is in use")


# --- the local base image -------------------------------------------------------------------------


def apt_mirror() -> str:
    """The first `URIs:` (deb822) or `deb URL` line of this machine's apt sources."""
    files: list[Path] = []
    for source in APT_SOURCES:
        if source.is_dir():
            files += sorted(p for p in source.iterdir() if p.suffix in {".sources", ".list"})
        elif source.is_file():
            files.append(source)
    for file in files:
        for line in file.read_text(errors="replace").splitlines():
            if m := re.match(r"\s*URIs:\s*(\S+)", line) or re.match(
                r"\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)", line
            ):
                return m[1]
    raise RuntimeError(f"no apt mirror found in {', '.join(map(str, APT_SOURCES))}")


def base_image_key() -> str:
    """What the base image is made of, hashed: a change to it makes a new image."""
    recipe = f"debootstrap minbase {BASE_SUITE} {' '.join(BASE_PACKAGES)}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def _image_exists(ref: str) -> bool:
    return (
        subprocess.run(
            ["podman", "image", "exists", ref], env=container_env(), check=False
        ).returncode
        == 0
    )


def ensure_base_image() -> str:
    """The local Python base image's reference, made (debootstrap + podman import) if missing.

    Shared by every worker and every run: the tarball is cached under CACHE/base-<key>/, and
    a file lock there lets one process build while the others wait.
    """
    if chosen := os.environ.get("MODELCI_TEST_BASE_IMAGE"):
        return chosen  # e.g. python:3.11-slim where an engine can pull it
    key = base_image_key()
    ref = f"{BASE_REPOSITORY}:{key}"
    directory = CACHE / f"base-{key}"
    directory.mkdir(parents=True, exist_ok=True)
    tarball = directory / "rootfs.tar"
    with FileLock(str(directory / "lock"), timeout=900):
        if _image_exists(ref):
            return ref
        if not tarball.exists():
            _debootstrap(tarball)
        subprocess.run(
            ["podman", "import", str(tarball), ref],
            env=container_env(),
            check=True,
            capture_output=True,
        )
    return ref


def _debootstrap(tarball: Path) -> None:
    with tempfile.TemporaryDirectory(dir=tarball.parent) as temp:
        rootfs = Path(temp) / "rootfs"
        run = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                BASE_SUITE,
                str(rootfs),
                apt_mirror(),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise RuntimeError(f"debootstrap failed ({run.returncode}):\n{run.stdout[-3000:]}")
        # Nothing of apt's download cache is needed in an image.
        shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
        partial.replace(tarball)


_BUILD_CACHE_LOCK = "build-cache.lock"


@contextlib.contextmanager
def build_cache_in_use() -> Iterator[None]:
    """Hold, across the xdist workers, a claim on the engine's build cache: while any module
    holds one, `prune_builder_stages` removes nothing. A module whose assertions need a rebuild
    to come from the cache (the same image again) holds it for its whole life."""
    import fcntl

    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / _BUILD_CACHE_LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cache_claimed() -> bool:
    """Whether some module (this process's included) holds `build_cache_in_use`."""
    import fcntl

    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / _BUILD_CACHE_LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def prune_builder_stages(client: object, *, keep: int = 1) -> list[str]:
    """Remove the builder stages `modelci image build` left as cache, but the newest `keep`.

    Each is over a gigabyte; the newest is kept so that the next run's build is cached.
    Only images with modelci's builder label are touched, and none while any build runs on the
    engine (another test's build may be reusing one as its cache: removing it breaks that build),
    and none while a module claims the cache (`build_cache_in_use`): its rebuild must be cached.
    """
    from modelci.packaging.dockerfile import BUILDER_LABEL

    if _a_build_is_running() or _cache_claimed():
        return []

    images: Any = client.images  # type: ignore[attr-defined]
    stages = images.list(all=True, filters={"label": f"{BUILDER_LABEL}=builder"})
    stages.sort(key=lambda image: image.attrs.get("Created", ""), reverse=True)
    removed = []
    for image in stages[keep:]:
        with contextlib.suppress(Exception):  # still used by a running build: leave it
            images.remove(image.id, force=True)
            removed.append(image.id)
    return removed


def _a_build_is_running() -> bool:
    """Whether buildah holds a working container (podman lists them as external, "Storage")."""
    if shutil.which("podman") is None:
        return False  # a Docker Engine: its builder keeps no such containers
    listed = subprocess.run(
        ["podman", "ps", "--all", "--external", "--format", "{{.Status}}"],
        env=container_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    return any(line.strip() == "Storage" for line in listed.stdout.splitlines())
