"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def format_option(choices: list[str], default: str, help: str) -> Decorator:
    """`--format`: how a command renders its result (stored as `output_format`)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=help,
    )


def params_file_option() -> Decorator:
    """`--params-file`: the file holding the `modelci:` section."""
    return click.option(
        "--params-file",
        type=click.Path(path_type=Path),  # an unreadable file is a configuration error (exit 3)
        default=Path("params.yaml"),
        show_default=True,
        help="File holding the `modelci:` configuration section.",
    )


def output_dir_option(help: str) -> Decorator:
    """`--output-dir`: where a command writes (and finds) its reports."""
    return click.option(
        "--output-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(),
        show_default=True,
        help=help,
    )


def directory_option() -> Decorator:
    """`-C/--directory`: the repository to run in."""
    return click.option(
        "-C",
        "--directory",
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        default=Path(),
        help="Run in this repository instead of the current directory.",
    )


def repo_option(help: str) -> Decorator:
    """`--repo OWNER/NAME`, from GITHUB_REPOSITORY in a workflow."""
    return click.option(
        "--repo", envvar="GITHUB_REPOSITORY", show_envvar=True, metavar="OWNER/NAME", help=help
    )


def github_token_option(help: str) -> Decorator:
    """`--github-token`, from GITHUB_TOKEN (preferred: an argument is visible to others)."""
    return click.option(
        "--github-token",
        envvar="GITHUB_TOKEN",
        show_envvar=True,
        show_default=False,
        metavar="TOKEN",
        help=help + " Prefer the environment variable: a command-line argument is visible to "
        "other processes.",
    )


def api_url_option() -> Decorator:
    """`--api-url`, from GITHUB_API_URL (GitHub Enterprise Server)."""
    return click.option(
        "--api-url",
        envvar="GITHUB_API_URL",
        show_envvar=True,
        metavar="URL",
        help="GitHub REST API root (GitHub Enterprise Server: https://HOST/api/v3). "
        "Default: https://api.github.com.",
    )


def write_output(
    path: Path, text: str, *, what: str = "the report", option: str = "--output"
) -> None:
    """Write a file a command was asked for, atomically; an unwritable path is a usage error."""
    from modelci.errors import UsageError
    from modelci.files import write_text_atomic

    try:
        write_text_atomic(path, text)
    except OSError as error:
        raise UsageError(
            f"cannot write {what} to {path}: {error.strerror or error}",
            hint=f"Choose an {option} path in a writable directory.",
        ) from error


def model_card_option() -> Decorator:
    """`--model-card`: the registered model's card (model-card.json)."""
    from modelci.packaging.card import DEFAULT_CARD_PATH

    return click.option(
        "--model-card",
        type=click.Path(path_type=Path, dir_okay=False),
        default=DEFAULT_CARD_PATH,
        show_default=True,
        help="The model card written at registration.",
    )
