"""`modelci image build`: build the packaged context into an image, optionally push it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import format_option, model_card_option
from modelci.errors import ExitCode


@click.group("image")
def image() -> None:
    """Build and push the model's image (Docker Engine or podman, through DOCKER_HOST).

    \b
    Example:
      modelci package --out build/image
      modelci image build --context build/image --push ghcr.io/octo-org/fraud
    """


@image.command("build")
@click.option(
    "--context",
    "context_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("build/image"),
    show_default=True,
    help="The build context `modelci package` wrote.",
)
@click.option(
    "--base-image",
    metavar="IMAGE",
    help="Base image for both stages (the Dockerfile's BASE_IMAGE; default python:3.11-slim).",
)
@click.option(
    "--push",
    "push_to",
    metavar="REPOSITORY",
    help="Push to this repository (REGISTRY/NAME, e.g. ghcr.io/OWNER/MODEL) and record the "
    "digest in the model card.",
)
@click.option(
    "--repository",
    metavar="REPOSITORY",
    help="Name the local image (default: modelci/MODEL); --push sets it too.",
)
@model_card_option()
@click.option(
    "--sbom",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the image's CycloneDX SBOM (default: CONTEXT/sbom.cdx.json).",
)
@format_option(["text", "json"], "text", "Rendering on standard output.")
def build(
    context_dir: Path,
    base_image: str | None,
    push_to: str | None,
    repository: str | None,
    model_card: Path,
    sbom: Path | None,
    output_format: str,
) -> ExitCode:
    """Build the image, tagged with the model's version and git commit; push it on request.

    Talks to the engine DOCKER_HOST names (Docker Engine, or podman's Docker API). Build
    output streams to standard error. With --push both tags are pushed, retried with backoff,
    and the pushed digest is written into the model card.

    \b
    Example:
      modelci image build --push ghcr.io/octo-org/fraud
    """
    from modelci.adapters.docker import DockerEngine
    from modelci.operations.image import build_image

    def progress(line: str) -> None:
        click.echo(line, err=True)

    result = build_image(
        DockerEngine(),
        context_dir,
        base_image=base_image,
        repository=push_to or repository,
        push=push_to is not None,
        card_path=model_card,
        sbom_path=sbom,
        progress=progress,
    )
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
        return ExitCode.OK
    size = f"{result.size / 1e6:.0f} MB"
    click.echo(f"Built {result.image_id[:19]} ({size}): {', '.join(result.tags)}")
    click.echo(f"SBOM: {result.sbom}")
    if result.pushed:
        click.echo(f"Pushed {result.reference}")
        if result.card_updated:
            click.echo(f"Recorded the image in {model_card}")
    return ExitCode.OK
