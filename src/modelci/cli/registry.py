"""`modelci registry ...`: the git-tag model registry (GTO's grammar) and its model cards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from modelci.cli._options import (
    Decorator,
    directory_option,
    format_option,
    output_dir_option,
    params_file_option,
    write_output,
)

_FORMATS = ["text", "json"]


def _push() -> Decorator:
    return click.option(
        "--push",
        is_flag=True,
        help="Fetch the remote's tags first, then push the new tag atomically (a tag the remote "
        "already has is refused: exactly one of two racing runs wins).",
    )


def _remote() -> Decorator:
    return click.option(
        "--remote", default="origin", show_default=True, help="The remote --push uses."
    )


def _name() -> Decorator:
    return click.option(
        "--name",
        metavar="NAME",
        help="The model, as declared in dvc.yaml `artifacts:`. Default: the only one declared.",
    )


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, allow_nan=False))


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(c) if c is not None else "-" for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


@click.group("registry")
def registry() -> None:
    """The model registry on git tags, as GTO writes them: register, assign, show, history.

    `NAME@vX.Y.Z` registers a version (its model card in the tag's message), `NAME#STAGE#N`
    assigns a stage; `gto show` reads the same tags.

    \b
    Example:
      modelci registry register --bump minor --push
      modelci registry assign v1.2.0 production --push
      modelci registry current fraud-detector production
    """


@registry.command("register")
@_name()
@click.option(
    "--bump",
    type=click.Choice(["patch", "minor", "major"]),
    help="Which part of the latest version to bump. Default: patch (v0.0.1 for the first).",
)
@click.option("--version", "version", metavar="vX.Y.Z", help="The version to register.")
@_push()
@_remote()
@params_file_option()
@output_dir_option(
    "Where the check's report.json is read (or written), and model-card.json and .md written."
)
@format_option(_FORMATS, "text", "How to print the result.")
@directory_option()
def register(
    name: str | None,
    bump: str | None,
    version: str | None,
    push: bool,
    remote: str,
    params_file: Path,
    output_dir: Path,
    output_format: str,
    directory: Path,
) -> None:
    """Register HEAD as a new version of the model, if its check passed.

    Refuses uncommitted changes to tracked files. Reads the check's report.json for HEAD (from
    `modelci check` on a clean workspace), or runs the check. Exit codes: 0 registered,
    2 usage, 3 configuration, 5 git failed, 9 refused (dirty workspace, check not passed,
    version taken, lost a race).

    \b
    Example:
      modelci check --baseline production && modelci registry register --bump minor --push
    """
    from modelci.operations.register import RegisterOptions
    from modelci.operations.register import register as run

    result = run(
        RegisterOptions(
            root=directory,
            name=name,
            version=version,
            bump=bump,  # type: ignore[arg-type]  # click.Choice holds one of the bumps
            push=push,
            remote=remote,
            params_file=params_file,
            output_dir=output_dir,
        ),
        _progress,
    )
    if output_format == "json":
        _json(result.to_dict())
        return
    done = result.registered
    where = f", pushed to {remote}" if done.pushed else " (local tag; push it with --push)"
    click.echo(
        f"Registered {done.name} {done.version}: tag {done.tag} on {done.commit[:12]}{where}"
    )
    click.echo(f"Model card: {result.card_json} and {result.card_markdown}")


@registry.command("assign")
@click.argument("version", metavar="VERSION")
@click.argument("stage")
@_name()
@_push()
@_remote()
@format_option(_FORMATS, "text", "How to print the result.")
@directory_option()
def assign(
    version: str,
    stage: str,
    name: str | None,
    push: bool,
    remote: str,
    output_format: str,
    directory: Path,
) -> None:
    """Put VERSION (vX.Y.Z or NAME@vX.Y.Z) of the model in STAGE.

    \b
    Example:
      modelci registry assign v1.2.0 production --push
    """
    from modelci.registry import operations as ops

    root = directory.resolve()
    named, reference = ops.parse_reference(version, name)
    model = ops.resolve_model(root, named)
    result = ops.assign(root, model.name, reference, stage, push=push, remote=remote)
    if output_format == "json":
        _json(result.to_dict())
        return
    where = f", pushed to {remote}" if result.pushed else " (local tag; push it with --push)"
    click.echo(f"{result.name} {result.version} is in {result.stage}: tag {result.tag}{where}")


@registry.command("show")
@click.argument("name", required=False)
@format_option(_FORMATS, "text", "How to print the registry.")
@directory_option()
def show(name: str | None, output_format: str, directory: Path) -> None:
    """Every model with its latest version and stages; with NAME, its versions.

    \b
    Example:
      modelci registry show fraud-detector --format json
    """
    from modelci.registry import operations as ops

    root = directory.resolve()
    if name is None:
        models = ops.show(root)
        if output_format == "json":
            _json({m.name: m.to_dict() for m in models})
            return
        stages = sorted({stage for m in models for stage in m.stages})
        rows = [[m.name, m.latest, *(m.stages.get(s) for s in stages)] for m in models]
        click.echo(_table(rows, ["name", "latest", *(f"#{s}" for s in stages)]))
        return
    listed = ops.versions(root, name)
    if output_format == "json":
        _json([v.to_dict() for v in listed])
        return
    rows = [[v.version, ", ".join(v.stages), v.commit[:12], v.created_at, v.author] for v in listed]
    click.echo(_table(rows, ["version", "stages", "commit", "created", "author"]))


@registry.command("history")
@click.argument("name")
@format_option(_FORMATS, "text", "How to print the events.")
@directory_option()
def history(name: str, output_format: str, directory: Path) -> None:
    """Every registry event of model NAME, newest first.

    \b
    Example:
      modelci registry history fraud-detector
    """
    from modelci.registry import operations as ops

    events = ops.history(directory.resolve(), name)
    if output_format == "json":
        _json([e.to_dict() for e in events])
        return
    rows = [[e.timestamp, e.event, e.version, e.stage, e.commit[:12], e.tag] for e in events]
    click.echo(_table(rows, ["timestamp", "event", "version", "stage", "commit", "tag"]))


@registry.command("current")
@click.argument("name")
@click.argument("stage")
@format_option(_FORMATS, "text", "text: the version alone; json: the version's record.")
@directory_option()
def current(name: str, stage: str, output_format: str, directory: Path) -> None:
    """Print the version of model NAME in STAGE (exit 9 when none is).

    \b
    Example:
      modelci registry current fraud-detector production
    """
    from modelci.registry import operations as ops

    found = ops.current(directory.resolve(), name, stage)
    if output_format == "json":
        _json(found.to_dict())
    else:
        click.echo(found.version)


@registry.command("card")
@click.argument("reference", metavar="[NAME@]VERSION|NAME#STAGE")
@_name()
@format_option(["json", "markdown"], "json", "The card as JSON or as Markdown.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write it here.")
@directory_option()
def card(
    reference: str,
    name: str | None,
    output_format: str,
    output: Path | None,
    directory: Path,
) -> None:
    """Print the model card a registered version carries (v1.2.0, NAME@latest, NAME#production).

    \b
    Example:
      modelci registry card fraud-detector#production --format markdown
    """
    from modelci.registry import operations as ops
    from modelci.registry.card import card_json
    from modelci.registry.markdown import render_card_markdown

    root = directory.resolve()
    named, ref = ops.parse_reference(reference, name)
    model_name = named or ops.resolve_model(root, None).name
    found = ops.find_version(root, model_name, ref)
    model_card = ops.read_card(root, found)
    text = card_json(model_card) if output_format == "json" else render_card_markdown(model_card)
    if output is not None:
        write_output(output, text, what="the model card")
    else:
        click.echo(text, nl=False)


def _progress(kind: str, text: str) -> None:
    if kind == "step":
        click.secho(f"==> {text}", err=True, bold=True)
    elif kind == "log":
        click.echo(f"    {text}", err=True)
