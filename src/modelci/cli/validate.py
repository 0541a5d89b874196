"""`modelci validate`: parse options, validate the files, render the results.

pandas and pandera are imported only once the command runs (inside the function), so importing
this module for `modelci --help` stays cheap.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import format_option, write_output
from modelci.errors import ExitCode


@click.command("validate")
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    metavar="PATH...",
    # Unchecked here: a missing, unreadable or wrong-kind file is a DataError (exit 4), not usage.
    type=click.Path(path_type=Path, dir_okay=True, readable=False),
)
@click.option(
    "--schema",
    "schema_spec",
    required=True,
    metavar="SPEC",
    help="Pandera schema: a YAML file (schemas/x.yaml) or a Python object package.module:attr.",
)
@format_option(["text", "markdown", "json"], "text", "Rendering of the results.")
@click.option(
    "--max-samples",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Failing values shown per check.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Write the rendering to this file instead of standard output.",
)
def validate(
    paths: tuple[Path, ...],
    schema_spec: str,
    output_format: str,
    max_samples: int,
    output: Path | None,
) -> ExitCode:
    """Validate CSV or Parquet files against a Pandera schema.

    Reports every failure (not just the first): per column and check, how many rows fail and
    sample values with their row (and CSV line) numbers. Files: .csv, .csv.gz, .parquet, .pq.

    Exit codes: 0 all files valid, 3 schema error, 4 invalid or unreadable data.

    \b
    Examples:
      modelci validate data/transactions.csv --schema schemas/transactions.yaml
      modelci validate data/*.parquet --schema myproject.schemas:Transactions --format json
    """
    if output is not None:
        _refuse_overwriting_inputs(output, paths, schema_spec)
    from modelci.validation import (
        CACHE_DIR,
        render_markdown,
        render_text,
        results_to_json,
        validate_files,
        validate_files_cached,
    )

    base_dir = Path.cwd()
    repository = _dvc_root(base_dir)
    if repository is None:
        results = validate_files(paths, schema_spec, base_dir=base_dir, max_samples=max_samples)
    else:
        # Inside a DVC repository (a pipeline's validate stage), the verdict is remembered by
        # content, so `modelci check` of the same bytes later reuses it.
        results = validate_files_cached(
            paths,
            schema_spec,
            base_dir=base_dir,
            max_samples=max_samples,
            cache_dir=repository / CACHE_DIR,
        )
    if output_format == "json":
        rendered = json.dumps(results_to_json(results), indent=2, ensure_ascii=False) + "\n"
    elif output_format == "markdown":
        rendered = render_markdown(results, max_samples=max_samples)
    else:
        rendered = render_text(results)
    all_valid = all(result.valid for result in results)
    if output is None:
        click.echo(rendered, nl=False)
    else:
        write_output(output, rendered)
        verdict = "all valid" if all_valid else "INVALID data"
        click.echo(f"Wrote the {output_format} report to {output} ({verdict}).", err=True)
    return ExitCode.OK if all_valid else ExitCode.VALIDATION_FAILED


def _dvc_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding a `.dvc` directory."""
    for folder in (start, *start.parents):
        if (folder / ".dvc").is_dir():
            return folder
    return None


def _refuse_overwriting_inputs(output: Path, paths: tuple[Path, ...], schema_spec: str) -> None:
    """`--output` naming an input would replace the data (or the schema) with the report."""
    from modelci.errors import UsageError
    from modelci.validation import YAML_SUFFIXES

    inputs = [(path, "data file") for path in paths]
    if schema_spec.strip().lower().endswith(YAML_SUFFIXES):
        inputs.append((Path(schema_spec.strip()), "schema file"))
    for path, kind in inputs:
        if _same_file(output, path):
            raise UsageError(
                f"--output {output} is the {kind} {path}: writing the report would overwrite it",
                hint="Write the report to another file, e.g. --output validation.txt.",
            )


def _same_file(a: Path, b: Path) -> bool:
    """Same file after resolving symlinks (and, when both exist, the same inode: hard links)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist (yet)
        return False
