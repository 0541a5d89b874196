"""Run the server: uvicorn with uvloop and httptools, JSON logs, graceful shutdown.

On SIGTERM or SIGINT uvicorn stops accepting connections, lets every request in flight finish
(up to `graceful_timeout` seconds), then the app's lifespan shutdown drains the batcher; the
process exits 0. The model is loaded and verified before the port is bound, so a refused model
file ends the process with exit 7 and nothing ever listened.

With `workers > 1`, uvicorn's supervisor starts that many processes on the one socket; each loads
and verifies the model itself (through `create_app`, reading the settings from the environment)
and the metrics are aggregated across processes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelci.errors import UsageError
from modelci.serving.app import ServingApp, Settings
from modelci.serving.source import ServedModel, from_card, from_workspace

_SETTINGS_ENV = "MODELCI_SERVE_SETTINGS"


@dataclass(frozen=True)
class ServeOptions:
    root: Path = Path()
    model_card: Path | None = None
    metadata: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    graceful_timeout: float = 30.0
    settings: Settings = field(default_factory=Settings)


def load_model(options: ServeOptions) -> ServedModel:
    """The verified model the options name (ModelFileError, exit 7, on a refused file)."""
    if options.model_card is not None:
        return from_card(options.model_card)
    return from_workspace(options.root, options.metadata)


def serve(options: ServeOptions, *, started: float | None = None) -> None:
    """Load and verify the model, bind the port, serve until SIGTERM or SIGINT."""
    import uvicorn

    configure_logging()
    served = load_model(options)
    for warning in served.warnings:
        logging.getLogger("modelci.serve").warning(warning, extra={"fields": {"event": "warning"}})
    sock = bind(options.host, options.port)
    host, port = sock.getsockname()[:2]
    _log_event(
        "listening", host=host, port=port, model=served.name, version=served.version,
        workers=options.workers,
        load_seconds=round(time.perf_counter() - started, 3) if started else None,
    )  # fmt: skip
    common: dict[str, Any] = {
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
        "access_log": False,  # one JSON line per request is written by the app itself
        "log_config": None,
        "timeout_graceful_shutdown": options.graceful_timeout,
        "server_header": False,
    }
    if options.workers <= 1:
        config = uvicorn.Config(ServingApp(served, options.settings), **common)
        with _exit_zero_after_shutdown():
            uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    with tempfile.TemporaryDirectory(prefix="modelci-metrics-") as metrics_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        os.environ[_SETTINGS_ENV] = json.dumps(_settings_env(options))
        config = uvicorn.Config(
            "modelci.serving.server:create_app", factory=True, workers=options.workers, **common
        )
        Multiprocess(config, sockets=[sock]).run()


@contextlib.contextmanager
def _exit_zero_after_shutdown() -> Iterator[None]:
    """uvicorn re-raises the signal that stopped it once it has shut down, so the process would
    die by SIGTERM; with a no-op handler in place the graceful shutdown ends with exit 0."""
    stopping = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, _ignore) for sig in stopping}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: object) -> None:
    del signum, frame


def create_app() -> ServingApp:
    """The app of one worker process: the options come from the supervising process."""
    configure_logging()
    raw = json.loads(os.environ[_SETTINGS_ENV])
    options = ServeOptions(
        root=Path(raw["root"]),
        model_card=Path(raw["model_card"]) if raw["model_card"] else None,
        metadata=Path(raw["metadata"]) if raw["metadata"] else None,
        settings=Settings(**raw["settings"]),
    )
    return ServingApp(load_model(options), options.settings)


def _settings_env(options: ServeOptions) -> dict[str, Any]:
    return {
        "root": str(options.root.resolve()),
        "model_card": str(options.model_card.resolve()) if options.model_card else None,
        "metadata": str(options.metadata) if options.metadata else None,
        "settings": asdict(options.settings),
    }


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use is a clear error (exit 2)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {error.strerror or error}",
            hint="Choose another --port (0 picks a free one), or stop what listens there.",
        ) from error
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        import orjson

        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if v is not None})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging() -> None:
    """JSON lines on standard error, for our logs and uvicorn's."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("modelci.serve", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _log_event(event: str, **fields: Any) -> None:
    logging.getLogger("modelci.serve").info(event, extra={"fields": {"event": event, **fields}})
