"""The container engine behind small interfaces: build, tag, push, inspect, read a file
(`Engine`, for packaging); run a server detached, tell whether it runs, stop it (`Runner`, for
the local rollout's servers).

Through the `docker` SDK (the `[docker]` extra), configured from the environment as the docker
command line is (`DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`): Docker Engine on
GitHub's runners, podman's Docker-compatible API (`podman system service`) elsewhere.
Pushes are retried with exponential backoff (tenacity) on connection failures and registry
errors; a push is idempotent (the registry stores content by digest), so retrying is safe.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from modelci.errors import ServiceError, UsageError

Progress = Callable[[str], None]
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_ENGINE_HINT = (
    "Start Docker (or `podman system service --time=0 unix:///PATH/podman.sock` and set "
    "DOCKER_HOST=unix:///PATH/podman.sock)."
)


class EngineError(ServiceError):
    """The container engine or the registry failed."""


class _TransientPushError(EngineError):
    """A push failure worth retrying (connection lost, a 5xx from the registry)."""


@dataclass(frozen=True)
class ImageInfo:
    id: str
    tags: list[str]
    labels: dict[str, str]
    user: str
    size: int  # bytes, uncompressed
    repo_digests: list[str]
    healthcheck: list[str] | None


class Engine(Protocol):
    """What packaging needs of a container engine."""

    def build(
        self,
        context: Path,
        *,
        tags: list[str],
        buildargs: Mapping[str, str],
        progress: Progress,
    ) -> str: ...

    def push(self, repository: str, tag: str, *, progress: Progress) -> str: ...

    def inspect(self, ref: str) -> ImageInfo: ...

    def read_file(self, image: str, path: str) -> bytes: ...


class Runner(Protocol):
    """What a rollout needs of a container engine to run a model server."""

    def run_server(
        self, image: str, *, port: int, host_port: int, labels: Mapping[str, str]
    ) -> str: ...

    def running(self, container_id: str) -> bool: ...

    def logs(self, container_id: str, *, lines: int = 5) -> str: ...

    def stop(self, container_id: str, *, timeout: float) -> None: ...


def _split(ref: str) -> tuple[str, str]:
    """`registry/name:tag` -> (`registry/name`, `tag`); a port's colon is not a tag's."""
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:
        return ref, "latest"
    return name, tag


class DockerEngine:
    """`Engine` over the docker SDK; `client` may be injected (a DockerClient)."""

    def __init__(
        self, client: Any = None, *, push_attempts: int = 5, max_wait: float = 30.0
    ) -> None:
        if client is None:
            client = _client_from_env()
        self.client = client
        self.push_attempts = push_attempts
        self.max_wait = max_wait

    def build(
        self,
        context: Path,
        *,
        tags: list[str],
        buildargs: Mapping[str, str],
        progress: Progress,
    ) -> str:
        import docker.errors

        if not tags:
            raise ValueError("build needs at least one tag")
        try:
            events = self.client.api.build(
                path=str(context),
                tag=tags[0],
                buildargs=dict(buildargs),
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
            )
            image_id = self._follow_build(events, progress)
            if image_id is None:
                image_id = self.client.images.get(tags[0]).id
            image = self.client.images.get(image_id)
            for tag in tags[1:]:
                repository, name = _split(tag)
                image.tag(repository, name)
        except docker.errors.APIError as error:
            raise EngineError(
                f"the container engine failed to build {context}: {_explain(error)}",
                hint="See the build output above.",
            ) from None
        except docker.errors.DockerException as error:
            raise EngineError(
                f"cannot reach the container engine: {error}", hint=_ENGINE_HINT
            ) from None
        return str(image_id)

    @staticmethod
    def _follow_build(events: Iterable[dict[str, Any]], progress: Progress) -> str | None:
        image_id = None
        for event in events:
            if "error" in event:
                detail = event.get("errorDetail", {}).get("message") or event["error"]
                raise EngineError(
                    f"the image build failed: {str(detail).strip()}",
                    hint="See the build output above; the context's Dockerfile is generated "
                    "by `modelci package`.",
                )
            if text := event.get("stream"):
                for line in str(text).splitlines():
                    if line.strip():
                        progress(line.rstrip())
            aux = event.get("aux")
            if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
                image_id = aux["ID"]
        return image_id

    def push(self, repository: str, tag: str, *, progress: Progress) -> str:
        """Push `repository:tag`; the manifest digest the registry stored."""
        retrying = Retrying(
            retry=retry_if_exception_type(_TransientPushError),
            stop=stop_after_attempt(self.push_attempts),
            wait=wait_exponential(multiplier=1, max=self.max_wait),
            reraise=True,
            before_sleep=lambda state: progress(
                f"push of {repository}:{tag} failed (attempt {state.attempt_number}), retrying"
            ),
        )
        try:
            digest: str = retrying(self._push_once, repository, tag, progress)
        except _TransientPushError as error:
            raise EngineError(
                f"{error.message} (after {self.push_attempts} attempts)",
                hint="Check that the registry is reachable and accepts pushes (`docker login`; "
                "an HTTP registry must be marked insecure).",
            ) from None
        return digest

    def _push_once(self, repository: str, tag: str, progress: Progress) -> str:
        import docker.errors
        import requests

        digest = None
        try:
            for event in self.client.api.push(repository, tag=tag, stream=True, decode=True):
                if "error" in event:
                    detail = event.get("errorDetail", {}).get("message") or event["error"]
                    raise _classify_push_error(repository, tag, str(detail))
                status = event.get("status")
                if status and not event.get("progressDetail"):
                    progress(f"{event.get('id', '')} {status}".strip())
                aux = event.get("aux")
                if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
                    digest = aux["Digest"]
                elif status and (m := _DIGEST.search(str(status))):
                    digest = m[0]
        except (requests.ConnectionError, docker.errors.APIError) as error:
            raise _TransientPushError(
                f"pushing {repository}:{tag} failed: {_explain(error)}"
            ) from None
        if digest is None:
            digest = self._digest_from_inspect(repository, tag)
        progress(f"pushed {repository}:{tag} {digest}")
        return digest

    def _digest_from_inspect(self, repository: str, tag: str) -> str:
        """The digest the engine noted for the pushed repository (engines that send no aux)."""
        info = self.inspect(f"{repository}:{tag}")
        for item in info.repo_digests:
            name, _, digest = item.partition("@")
            if name == repository and _DIGEST.fullmatch(digest):
                return digest
        raise EngineError(f"the engine pushed {repository} but reported no digest")

    def inspect(self, ref: str) -> ImageInfo:
        import docker.errors

        try:
            image = self.client.images.get(ref)
        except docker.errors.ImageNotFound:
            raise _no_image(ref) from None
        except docker.errors.DockerException as error:
            raise EngineError(f"cannot inspect {ref}: {error}", hint=_ENGINE_HINT) from None
        attrs = image.attrs
        config = attrs.get("Config") or {}
        health = config.get("Healthcheck") or {}
        return ImageInfo(
            id=image.id,
            tags=list(image.tags),
            labels=dict(config.get("Labels") or {}),
            user=str(config.get("User") or ""),
            size=int(attrs.get("Size") or 0),
            repo_digests=list(attrs.get("RepoDigests") or []),
            healthcheck=health.get("Test"),
        )

    def read_file(self, image: str, path: str) -> bytes:
        """One file's bytes from an image (through a created, never started, container)."""
        import docker.errors

        try:
            container = self.client.containers.create(image, command=["true"])
        except docker.errors.DockerException as error:
            raise EngineError(f"cannot open {image}: {error}", hint=_ENGINE_HINT) from None
        try:
            stream, _ = container.get_archive(path)
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
                handle = archive.extractfile(archive.getmembers()[0])
                if handle is None:
                    raise EngineError(f"{path} in {image} is not a regular file")
                return handle.read()
        except docker.errors.NotFound:
            raise EngineError(f"{image} has no {path}") from None
        finally:
            container.remove(force=True)

    def run_server(
        self, image: str, *, port: int, host_port: int, labels: Mapping[str, str]
    ) -> str:
        """Start `image` detached, its `port` published on 127.0.0.1:`host_port`; its id."""
        import docker.errors

        try:
            container = self.client.containers.run(
                image,
                detach=True,
                labels=dict(labels),
                ports={f"{port}/tcp": ("127.0.0.1", host_port)},
            )
        except docker.errors.ImageNotFound:
            raise _no_image(image) from None
        except docker.errors.DockerException as error:
            raise EngineError(f"cannot run {image}: {_explain(error)}", hint=_ENGINE_HINT) from None
        return str(container.id)

    def running(self, container_id: str) -> bool:
        """Whether the container exists and runs (a removed one does not)."""
        import docker.errors

        try:
            return str(self.client.containers.get(container_id).status) == "running"
        except docker.errors.NotFound:
            return False
        except docker.errors.DockerException as error:
            raise EngineError(
                f"cannot inspect container {container_id[:12]}: {_explain(error)}",
                hint=_ENGINE_HINT,
            ) from None

    def logs(self, container_id: str, *, lines: int = 5) -> str:
        """The last `lines` lines of the container's output ("" once it is gone)."""
        import docker.errors

        try:
            output = self.client.containers.get(container_id).logs(tail=lines)
        except docker.errors.DockerException:
            return ""
        return bytes(output).decode("utf-8", errors="replace").strip()

    def stop(self, container_id: str, *, timeout: float) -> None:
        """SIGTERM, up to `timeout` seconds for a graceful exit (then SIGKILL), then remove.
        A container already gone is no error."""
        import docker.errors

        try:
            container = self.client.containers.get(container_id)
            container.stop(timeout=max(1, round(timeout)))
            container.remove(force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.DockerException as error:
            raise EngineError(
                f"cannot stop container {container_id[:12]}: {_explain(error)}",
                hint=_ENGINE_HINT,
            ) from None


def _no_image(ref: str) -> UsageError:
    return UsageError(
        f"no image {ref} in the container engine",
        hint="Build it first (`modelci image build`), or pull it.",
    )


def _explain(error: Exception) -> str:
    explanation = getattr(error, "explanation", None)
    return str(explanation or error).strip()


def _classify_push_error(repository: str, tag: str, detail: str) -> EngineError:
    lowered = detail.lower()
    if any(word in lowered for word in ("unauthorized", "denied", "authentication required")):
        return EngineError(
            f"the registry refused the push of {repository}:{tag}: {detail}",
            hint="Log in to the registry (`docker login REGISTRY`) with a token that may push.",
        )
    return _TransientPushError(f"pushing {repository}:{tag} failed: {detail}")


def _client_from_env() -> Any:
    try:
        import docker
    except ImportError:
        raise UsageError(
            "building images needs the docker SDK",
            hint="pip install 'modelci[docker]'",
        ) from None
    try:
        return docker.from_env(timeout=600)
    except docker.errors.DockerException as error:
        raise EngineError(
            f"cannot reach the container engine: {error}", hint=_ENGINE_HINT
        ) from None
