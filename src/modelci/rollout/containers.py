"""A rollout's model server as a container: an image of `modelci image build`, which runs
`modelci serve --model-card /model/model-card.json --port 8080`, through the Docker API
(`DOCKER_HOST`, as everywhere else). Its port is published on 127.0.0.1 at a free port, its
labels name the rollout (project folder, environment, role, version), and the state keeps its
id, so later commands find it as they find a process by id and start time.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from modelci.adapters import process
from modelci.errors import ServiceError
from modelci.rollout.state import Server

if TYPE_CHECKING:
    from modelci.adapters.docker import Runner

SERVER_PORT = 8080  # where the image's server listens
LABEL = "io.modelci.rollout"
STOP_TIMEOUT = 30.0  # seconds for the requests in flight to finish, as `modelci serve` allows


def labels(root: Path, environment: str, role: str, version: str) -> dict[str, str]:
    """The labels of a rollout's container: `docker ps --filter label=...` finds them."""
    return {
        f"{LABEL}.project": str(root),
        f"{LABEL}.environment": environment,
        f"{LABEL}.role": role,
        f"{LABEL}.version": version,
    }


def start(
    runner: Runner,
    server: Server,
    *,
    labels: dict[str, str],
    ready_path: str,
    timeout: float,
) -> Server:
    """Run the server's image and wait until `ready_path` answers 200 (ServiceError if it
    exits or is not ready within `timeout` seconds; it is then removed)."""
    image = str(server.image)
    what = f"the {labels.get(f'{LABEL}.role', 'model')} server ({server.version}, {image})"
    host_port = process.free_port()
    container = runner.run_server(image, port=SERVER_PORT, host_port=host_port, labels=labels)
    url = f"http://127.0.0.1:{host_port}"
    deadline = time.monotonic() + timeout
    while not process.answers(url + ready_path):
        problem = None
        if not runner.running(container):
            problem = "exited before it was ready"
        elif time.monotonic() > deadline:
            problem = f"was not ready at {url + ready_path} within {timeout:g} s"
        if problem is not None:
            tail = runner.logs(container)
            runner.stop(container, timeout=5)
            raise ServiceError(
                f"{what} {problem}" + (":\n  " + tail.replace("\n", "\n  ") if tail else ""),
                hint=f"Run it by hand to see why: docker run --rm -p 8080:8080 {image}",
            )
        time.sleep(process.READY_POLL_SECONDS)
    return replace(server, url=url, container=container)


def alive(runner: Runner, server: Server) -> bool:
    return server.container is not None and runner.running(server.container)


def stop(runner: Runner, server: Server) -> None:
    """Graceful: SIGTERM, its requests in flight finish (up to STOP_TIMEOUT), then removed."""
    if server.container is not None:
        runner.stop(server.container, timeout=STOP_TIMEOUT)
