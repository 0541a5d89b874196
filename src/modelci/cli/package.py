"""`modelci package`: write the model's image build context."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import format_option, model_card_option
from modelci.errors import ExitCode


@click.command("package")
@model_card_option()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("build/image"),
    show_default=True,
    help="Directory for the build context (replaced if it holds an earlier one).",
)
@click.option(
    "--source",
    metavar="URL",
    help="The repository's web address for the image's source label (default: from the "
    "`origin` remote).",
)
@click.option(
    "--with",
    "with_distributions",
    multiple=True,
    metavar="DIST",
    help="An extra distribution the model needs at serving time (repeatable), e.g. skops.",
)
@format_option(["text", "json"], "text", "Rendering on standard output.")
def package(
    model_card: Path,
    out: Path,
    source: str | None,
    with_distributions: tuple[str, ...],
    output_format: str,
) -> ExitCode:
    """Write a build context: the model, its card, a Dockerfile and a wheelhouse.

    The wheelhouse holds modelci and every distribution it serves with, at the versions the
    model card's training environment records (else the ones installed here), so the image
    build needs no network and has no version skew. The model file's SHA-256 is checked
    against the card first.

    \b
    Example:
      modelci package --out build/image && modelci image build --context build/image
    """
    from modelci.packaging.context import package as make_context

    context = make_context(
        model_card, out, root=Path.cwd(), source=source, with_distributions=with_distributions
    )
    if output_format == "json":
        click.echo(json.dumps(context.to_dict(), indent=2))
    else:
        click.echo(
            f"Packaged {context.name} {context.version} ({context.revision[:12]}) in {out}: "
            f"{context.wheels} wheels, Dockerfile, model and card."
        )
    return ExitCode.OK
