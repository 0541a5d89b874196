"""`modelci rollout render`: the Kubernetes manifests of a canary, written to a folder."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import format_option


@click.command("render")
@click.option(
    "--target",
    type=click.Choice(["kubernetes"]),
    default="kubernetes",
    show_default=True,
    help="What to render for (the local target needs no files).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write the manifests to (created if needed).",
)
@click.option("--name", required=True, help="The model's name; also the resources' name.")
@click.option("--image", required=True, metavar="REPOSITORY[:TAG]", help="The model image.")
@click.option("--digest", required=True, metavar="sha256:...", help="The image's digest.")
@click.option("--version", "version", help="The registry version, shown as a label.")
@click.option("--namespace", default="default", show_default=True)
@click.option(
    "--engine",
    "engines",
    multiple=True,
    type=click.Choice(["kserve", "argo-rollouts"]),
    help="Render for this engine only (repeatable). Default: both.",
)
@click.option("--steps", default="10,25,50,100", show_default=True, help="Canary percentages.")
@click.option(
    "--window-seconds",
    type=click.IntRange(1),
    default=60,
    show_default=True,
    help="How long each step's analysis window lasts.",
)
@click.option(
    "--prometheus-url",
    default="http://prometheus.monitoring.svc:9090",
    show_default=True,
    help="The Prometheus the analysis step queries.",
)
@format_option(["text", "json"], "text", "How to print what was written.")
def render(
    target: str,
    out: Path,
    name: str,
    image: str,
    digest: str,
    version: str | None,
    namespace: str,
    engines: tuple[str, ...],
    steps: str,
    window_seconds: int,
    prometheus_url: str,
    output_format: str,
) -> None:
    """Write KServe and Argo Rollouts manifests for a canary of a model image.

    The image is pinned by digest. Nothing is applied: `kubectl apply -f OUT -R` does that.

    \b
    Example:
      modelci rollout render --target kubernetes --out deploy/ --name fraud-detector \\
        --image registry.example/acme/fraud-detector:v1.3.0 --digest sha256:... \\
        --version v1.3.0
    """
    from modelci.rollout.kubernetes import ENGINES, RenderRequest
    from modelci.rollout.kubernetes import render as render_manifests
    from modelci.rollout.steps import parse_steps

    del target  # one target today
    manifests = render_manifests(
        RenderRequest(
            name=name,
            image=image,
            digest=digest,
            version=version,
            namespace=namespace,
            engines=tuple(engines) or ENGINES,  # type: ignore[arg-type]  # click checked them
            steps=parse_steps(steps),
            window_seconds=window_seconds,
            prometheus_url=prometheus_url,
        )
    )
    written = manifests.write(out)
    if output_format == "json":
        click.echo(json.dumps({"image": manifests.image, "files": [str(p) for p in written]}))
        return
    click.echo(f"Wrote {len(written)} manifests for {manifests.image} to {out}:")
    for path in written:
        click.echo(f"  {path}")
