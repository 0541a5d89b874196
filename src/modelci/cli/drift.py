"""`modelci drift`: parse options, run the drift detection, render the report.

pandas, scipy and DVC are imported only once the command runs, so `modelci --help` stays cheap.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import format_option
from modelci.errors import ExitCode

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command("drift")
@click.option("--current", required=True, metavar="PATH", help="The new data (CSV or Parquet).")
@click.option(
    "--reference",
    metavar="PATH",
    help="The data to compare with (CSV or Parquet). Default: the --current path at "
    "--reference-rev. (Later: the data behind the model in the registry's production stage.)",
)
@click.option(
    "--reference-rev",
    metavar="REV",
    help="Read the reference as committed at this git revision, through DVC (a DVC-tracked "
    "file comes from the cache or remote).",
)
@click.option(
    "--schema",
    "schema_spec",
    metavar="SPEC",
    help="Validate the current data first against this Pandera schema. Default: the schema of "
    "the modelci.data entry with the current path, if any.",
)
@click.option(
    "--params-file",
    type=_FILE,
    default=Path("params.yaml"),
    show_default=True,
    help="File holding the modelci: section (drift settings under modelci.drift).",
)
@click.option(
    "--model",
    type=_FILE,
    help="Model file for prediction drift: its scores on both data sets are compared. "
    "Loaded only once its SHA-256 matches --model-metadata.",
)
@click.option(
    "--model-metadata",
    type=_FILE,
    help="JSON recording the model's sha256 and features. Default: model.json beside --model.",
)
@click.option("--reference-scores", metavar="PATH", help="Scores on the reference data (a file).")
@click.option("--current-scores", metavar="PATH", help="Scores on the current data (a file).")
@format_option(["text", "markdown", "json"], "text", "Rendering on standard output.")
@click.option("--output", type=_FILE, help="Also write the JSON report to this file.")
@click.option(
    "--markdown", "markdown_file", type=_FILE, help="Also write the markdown report here."
)
def drift(
    current: str,
    reference: str | None,
    reference_rev: str | None,
    schema_spec: str | None,
    params_file: Path,
    model: Path | None,
    model_metadata: Path | None,
    reference_scores: str | None,
    current_scores: str | None,
    output_format: str,
    output: Path | None,
    markdown_file: Path | None,
) -> ExitCode:
    """Detect drift of new data against reference data, per column.

    Each column gets Evidently's default test: for a reference of up to 1,000 rows, K-S for
    numeric columns and chi-square (Z-test when binary) for categorical ones; above that,
    normed Wasserstein distance and Jensen-Shannon distance. The dataset drifted when the share
    of drifted columns reaches modelci.drift.share (0.5). Methods and thresholds are set per
    kind or per column in params.yaml, modelci.drift.

    Exit codes: 0 no drift, 8 drift (dataset or prediction), 2 usage, 3 configuration,
    4 unreadable data or data that breaks its schema.

    \b
    Examples:
      modelci drift --current data/transactions.csv --reference-rev HEAD~1
      modelci drift --current new.parquet --reference data/train.parquet --format markdown
      modelci drift --current data/test.parquet --reference data/train.parquet \\
        --model models/model.skops --output drift.json
    """
    from modelci.cli._options import write_output
    from modelci.drift.render import exit_code, render_markdown, render_text, report_to_json
    from modelci.drift.run import DriftRequest, run_drift

    request = DriftRequest(
        current=current,
        reference=reference,
        reference_rev=reference_rev,
        schema=schema_spec,
        params_file=params_file,
        model=model,
        model_metadata=model_metadata,
        reference_scores=reference_scores,
        current_scores=current_scores,
    )
    report = run_drift(request, cwd=Path.cwd())
    as_json = json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n"
    if output is not None:
        write_output(output, as_json)
    if markdown_file is not None:
        write_output(
            markdown_file, render_markdown(report), what="the markdown", option="--markdown"
        )
    if output_format == "json":
        click.echo(as_json, nl=False)
    elif output_format == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_text(report), nl=False)
    return exit_code(report)
