"""`modelci serve`: serve the workspace's model, or a model card's, over HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import click

from modelci.errors import UsageError


@click.command("serve")
@click.option(
    "--model-card",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Serve the model this model card names (default: the workspace's, as training left it).",
)
@click.option(
    "--metadata",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Training's model record, relative to -C (default: models/model.json).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
    help="Port to listen on (0: a free one, logged at start).",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True,
    help="Server processes; each loads and verifies the model.",
)  # fmt: skip
@click.option(
    "--max-batch-rows", type=click.IntRange(1), default=256, show_default=True,
    help="Most rows one predict call takes from concurrent requests.",
)  # fmt: skip
@click.option(
    "--max-wait-ms", type=click.FloatRange(0, 1000), default=5.0, show_default=True,
    help="Longest a batch waits for requests already arriving to share its predict call.",
)  # fmt: skip
@click.option(
    "--max-body-bytes", type=click.IntRange(1), default=4 * 1024 * 1024, show_default=True,
    help="Largest request body; larger ones get 413.",
)  # fmt: skip
@click.option(
    "--graceful-timeout", type=click.FloatRange(0), default=30.0, show_default=True,
    help="Seconds in-flight requests get to finish after SIGTERM.",
)  # fmt: skip
@click.option(
    "-C", "--directory",
    type=click.Path(path_type=Path, file_okay=False, exists=True), default=Path(),
    help="The repository whose model is served (default: the current directory).",
)  # fmt: skip
def serve(
    model_card: Path | None,
    metadata: Path | None,
    host: str,
    port: int,
    workers: int,
    max_batch_rows: int,
    max_wait_ms: float,
    max_body_bytes: int,
    graceful_timeout: float,
    directory: Path,
) -> None:
    """Serve a verified model over the Open Inference Protocol v2, until SIGTERM.

    The model file's SHA-256 is checked against training's record before it is loaded; a
    changed file, or one needing a type nobody trusted, stops the server (exit 7). Every request
    is checked against the training schema (bad input gets a 4xx naming the field and rule).
    Logs are JSON lines on standard error; metrics are at /metrics.

    \b
    Example:
      modelci serve --port 8080
      curl -s localhost:8080/v2/models/fraud-detector
    """
    started = time.perf_counter()
    try:
        from modelci.serving import ServeOptions
        from modelci.serving import serve as run
        from modelci.serving.app import Settings
    except ImportError as error:
        raise UsageError(
            f"serving needs packages that are not installed ({error.name})",
            hint="Install the serve extra: pip install 'modelci[serve]'.",
        ) from error
    settings = Settings(
        max_body_bytes=max_body_bytes, max_batch_rows=max_batch_rows, max_wait_ms=max_wait_ms
    )
    options = ServeOptions(
        root=directory, model_card=model_card, metadata=metadata, host=host, port=port,
        workers=workers, graceful_timeout=graceful_timeout, settings=settings,
    )  # fmt: skip
    run(options, started=started)
