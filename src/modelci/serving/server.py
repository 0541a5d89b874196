"""Run the server: granian (its HTTP in Rust, our ASGI app in Python), JSON logs, graceful
shutdown.

The model is loaded and verified in the starting process before anything listens, so a refused
model file ends `modelci serve` with exit 7. granian then starts `workers` processes; each builds
the app through `create_app` (the options travel in the environment), so it loads and verifies
the model itself. On SIGTERM or SIGINT granian stops accepting connections, lets the requests in
flight finish (up to `graceful_timeout` seconds), the app's lifespan shutdown drains the batcher,
and the process exits 0. With several workers the metrics are aggregated across processes.
README, "Serving: the ASGI stack", has the measurement that chose granian over uvicorn and
hypercorn.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import tempfile
import time
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
    """Load and verify the model, check the port, serve until SIGTERM or SIGINT."""
    from granian import Granian
    from granian.constants import Interfaces

    configure_logging()
    served = load_model(options)
    for warning in served.warnings:
        logging.getLogger("modelci.serve").warning(warning, extra={"fields": {"event": "warning"}})
    port = free_port(options.host, options.port)
    _log_event(
        "listening", host=options.host, port=port, model=served.name, version=served.version,
        workers=options.workers,
        load_seconds=round(time.perf_counter() - started, 3) if started else None,
    )  # fmt: skip
    del served  # each worker loads its own verified copy
    os.environ[_SETTINGS_ENV] = json.dumps(_settings_env(options))
    with contextlib.ExitStack() as stack:
        if options.workers > 1:
            metrics_dir = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="modelci-metrics-")
            )
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        Granian(
            "modelci.serving.server:create_app",
            factory=True,
            interface=Interfaces.ASGI,
            address=options.host,
            port=port,
            workers=options.workers,
            backlog=2048,
            log_dictconfig=_GRANIAN_LOGGING,
            log_access=False,  # one JSON line per request is written by the app itself
            workers_kill_timeout=max(1, round(options.graceful_timeout)),
        ).serve()


def create_app() -> ServingApp:  # granian's factory, in each worker process
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


def free_port(host: str, port: int) -> int:
    """`port`, once checked free (0: a free one, chosen here), so that a port in use is a clear
    error (exit 2) rather than a server that starts and dies."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise UsageError(
                f"cannot listen on {host}:{port}: {error.strerror or error}",
                hint="Choose another --port (0 picks a free one), or stop what listens there.",
            ) from error
        return int(sock.getsockname()[1])


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


_GRANIAN_LOGGING: dict[str, Any] = {
    "formatters": {"json": {"()": "modelci.serving.server.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "formatter": "json",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "granian.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}


def configure_logging() -> None:
    """JSON lines on standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("modelci.serve")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _log_event(event: str, **fields: Any) -> None:
    logging.getLogger("modelci.serve").info(event, extra={"fields": {"event": event, **fields}})
