"""`modelci rollout analyse` (an Argo Rollouts analysis Job: exit 0 or 1) and `modelci rollout
webhook` (Flagger's webhook and Argo's web metric): parse, call the operation, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from modelci.cli._options import format_option
from modelci.errors import ExitCode


def _source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--stable-url", metavar="URL", help="The stable server's /metrics."),
        click.option("--canary-url", metavar="URL", help="The canary server's /metrics."),
        click.option(
            "--prometheus",
            "prometheus_url",
            metavar="URL",
            help="Query this Prometheus server instead (its root URL).",
        ),
        click.option("--model", metavar="NAME", help="Only series with this `model` label."),
        click.option(
            "--stable-version", metavar="VERSION", help="The stable series' `version` label."
        ),
        click.option(
            "--canary-version", metavar="VERSION", help="The canary series' `version` label."
        ),
        click.option(
            "--params-file",
            type=click.Path(path_type=Path, dir_okay=False),
            default=Path("params.yaml"),
            show_default=True,
            help="File holding the modelci: section (thresholds under modelci.rollout).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def window_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--window and --waits: how long a step's window stays open, and how often it waits more."""
    options = [
        click.option(
            "--window",
            "window_seconds",
            type=click.FloatRange(min=0, min_open=True),
            help="Seconds the window stays open. Default: modelci.rollout.window_seconds.",
        ),
        click.option(
            "--waits",
            type=click.IntRange(min=0),
            default=2,
            show_default=True,
            help="Extra windows to wait while traffic is too thin (inconclusive).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _setup(params_file: Path, **spec: str | None) -> tuple[Any, Any]:
    from modelci.config.load import load_config
    from modelci.operations.canary import SourceSpec, make_source

    config = load_config(params_file).section.rollout if params_file.exists() else None
    if config is None:
        from modelci.config.rollout import RolloutConfig

        config = RolloutConfig()
    return make_source(SourceSpec(**spec), config), config


@click.command("analyse")
@click.option(
    "--step", type=int, required=True, help="The canary's traffic percent at this step (a look)."
)
@window_options
@_source_options
@format_option(["text", "json"], "text", "Rendering on standard output.")
def analyse(
    step: int,
    window_seconds: float | None,
    waits: int,
    params_file: Path,
    output_format: str,
    **spec: str | None,
) -> ExitCode:
    """Compare canary with stable over one window; exit 0 to go on, 1 to stop.

    Checks errors, latency, predicted scores and decided classes, at the alpha this step may
    spend (README, "Canary analysis"). Exit codes: 0 pass; 1 fail (roll back) or inconclusive
    after the waits (never promotes); 2 usage; 3 configuration; 6 a metric source failed.

    \b
    Examples:
      modelci rollout analyse --step 10 \\
        --stable-url http://127.0.0.1:8081/metrics --canary-url http://127.0.0.1:8082/metrics
      modelci rollout analyse --step 25 --prometheus http://prometheus:9090 \\
        --model fraud-detector --stable-version v1.2.0 --canary-version v1.3.0 --format json
    """
    from modelci.analysis import Verdict
    from modelci.analysis.live import analyse_step

    source, config = _setup(params_file, **spec)
    verdict = analyse_step(source, step, config, window_seconds=window_seconds, waits=waits)
    if output_format == "json":
        click.echo(json.dumps(verdict.to_json(), indent=2))
    else:
        score = "n/a" if verdict.score is None else f"{verdict.score:g}"
        click.echo(
            f"step {verdict.step}% (look {verdict.look} of {verdict.looks}): {verdict.verdict}, "
            f"score {score}, canary {verdict.canary_requests} and stable "
            f"{verdict.stable_requests} requests"
        )
        for check in verdict.checks:
            click.echo(f"  {check.name}: {check.status}: {check.reason}")
    return ExitCode.OK if verdict.verdict is Verdict.PASS else ExitCode.GATE_FAILED


@click.command("webhook")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True)
@_source_options
def webhook(host: str, port: int, params_file: Path, **spec: str | None) -> None:
    """Serve the analysis over HTTP: Flagger's webhook and Argo Rollouts' web metric.

    POST /flagger answers 200 (pass), 412 (fail) or 425 (inconclusive); GET /verdict?step=N
    answers 200 with the verdict as JSON. Each call analyses the window since the previous
    decisive one (README, "Canary analysis").

    \b
    Example:
      modelci rollout webhook --host 0.0.0.0 --port 8090 --prometheus http://prometheus:9090 \\
        --model fraud-detector --stable-version v1.2.0 --canary-version v1.3.0
    """
    from modelci.operations.canary_webhook import CanaryJudge, make_server

    source, config = _setup(params_file, **spec)
    server = make_server(CanaryJudge(source, config), host, port)
    click.echo(f"canary analysis on http://{host}:{server.server_port}", err=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
