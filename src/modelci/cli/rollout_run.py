"""`modelci rollout run`: a canary rollout decided by the analysis, step by step, to its end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from modelci.cli._options import params_file_option
from modelci.cli.rollout_analyse import window_options
from modelci.cli.rollout_local import _common, _readiness, _servers, start_request
from modelci.errors import ExitCode


@click.command("run")
@_common
@click.option("--steps", help="Canary percentages. Default: modelci.rollout.steps.")
@window_options
@click.option(
    "--prometheus",
    "prometheus_url",
    metavar="URL",
    help="Query this Prometheus server (root URL) instead of scraping both servers' /metrics.",
)
@click.option(
    "--stage",
    help="The registry stage assigned to the canary on promotion (default: the --env name).",
)
@click.option("--push", is_flag=True, help="Push the stage tag to the remote on promotion.")
@click.option("--remote", default="origin", show_default=True, help="Where --push pushes.")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the markdown report here (it is appended to $GITHUB_STEP_SUMMARY when set).",
)
@_readiness
@params_file_option()
@_servers
def run(
    environment: str,
    directory: Path,
    output_format: str,
    steps: str | None,
    window_seconds: float | None,
    waits: int,
    prometheus_url: str | None,
    stage: str | None,
    push: bool,
    remote: str,
    summary_path: Path | None,
    health_path: str,
    ready_timeout: float,
    params_file: Path,
    canary_version: str,
    canary_card: Path | None,
    canary_command: str | None,
    stable_version: str | None,
    stable_card: Path | None,
    stable_command: str | None,
) -> ExitCode:
    """Run a canary to its end: each step's window is analysed, then continue, promote or roll back.

    Starts the rollout (or resumes the one running with the same versions), then at each step
    waits its window and compares canary with stable (errors, latency, predicted scores and
    classes; README, "Canary analysis"). A failing step rolls back at once; a passing last step
    promotes and assigns the registry stage (the --env name unless --stage) to the canary's
    version. Too little traffic waits up to --waits more windows, then ends inconclusive and
    rolls back: it never promotes. The stable version defaults to the one in the stage; each
    version is served from its registered model card (its model file read at its commit, from
    git or the DVC cache) unless --X-card or --X-command says otherwise.

    Exit codes: 0 promoted (or the canary already holds the stage); 10 rolled back; 11
    inconclusive; 2 usage; 3 configuration; 9 registry.

    \b
    Example:
      modelci rollout run --env production --canary fraud-detector@v1.3.0 --window 60
      modelci rollout run --env staging --canary fraud-detector@v1.3.0 \\
        --canary-card cards/v1.3.0.json --stable-card cards/v1.2.0.json --format json
    """
    from modelci.config.load import load_config
    from modelci.config.rollout import RolloutConfig
    from modelci.rollout import auto
    from modelci.rollout.state import Store
    from modelci.rollout.steps import check_steps, parse_steps

    config = RolloutConfig()
    params_file = params_file if params_file.is_absolute() else directory / params_file
    if params_file.exists():
        config = load_config(params_file, require_section=False).section.rollout
    if window_seconds is not None:
        config = config.model_copy(update={"window_seconds": window_seconds})
    stage = stage or environment
    name, canary_ref = _reference(canary_version)
    stable_version = stable_version or _in_stage(directory, name, stage)
    if stable_version == f"{name}@{canary_ref}":
        click.echo(f"{canary_version} already holds stage {stage}: nothing to roll out.", err=True)
        return ExitCode.OK
    store = Store(directory)
    if canary_card is None and canary_command is None:
        canary_card = _registered_card(store, environment, canary_version)
    if stable_card is None and stable_command is None:
        stable_card = _registered_card(store, environment, stable_version)
    request = start_request(
        environment, parse_steps(steps) if steps else check_steps(config.steps), health_path,
        ready_timeout, canary=(canary_version, canary_card, canary_command),
        stable=(stable_version, stable_card, stable_command),
    )  # fmt: skip

    def source_for(state: Any) -> Any:
        from modelci.operations.canary import SourceSpec, make_source

        if prometheus_url:
            spec = SourceSpec(
                prometheus_url=prometheus_url, model=name,
                stable_version=_reference(state.stable.version)[1],
                canary_version=_reference(state.canary.version)[1],
            )  # fmt: skip
        else:
            spec = SourceSpec(
                stable_url=f"{state.stable.url}/metrics", canary_url=f"{state.canary.url}/metrics"
            )
        return make_source(spec, config)

    def on_promoted(state: Any) -> dict[str, Any]:
        from modelci.registry.operations import assign

        version = _reference(state.canary.version)[1]
        return assign(directory, name, version, stage, push=push, remote=remote).to_dict()

    def on_step(record: auto.StepRecord) -> None:
        if output_format == "text":
            from modelci.report.rollout import step_text

            click.echo("\n".join(step_text(record)))

    result = auto.run(
        store, request, config, source_for=source_for, waits=waits,
        on_step=on_step, on_promoted=on_promoted,
    )  # fmt: skip
    _report(result, summary_path)
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        from modelci.report.rollout import ending_text

        click.echo("\n".join(ending_text(result)))
    return {
        auto.Ending.PROMOTED: ExitCode.OK,
        auto.Ending.ROLLED_BACK: ExitCode.ROLLED_BACK,
        auto.Ending.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
    }[result.ending]


def _reference(text: str) -> tuple[str, str]:
    """`fraud-detector@v1.3.0` -> (fraud-detector, v1.3.0)."""
    from modelci.errors import UsageError

    name, _, version = text.rpartition("@")
    if not name or not version:
        raise UsageError(
            f"`{text}` is not NAME@VERSION", hint="e.g. --canary fraud-detector@v1.3.0"
        )
    return name, version


def _registered_card(store: Any, environment: str, reference: str) -> Path:
    """A servable card of the registered version NAME@VERSION, in the rollout's folder."""
    from modelci.rollout.cards import serving_card

    name, version = _reference(reference)
    folder = store.folder(environment) / "cards" / f"{name}@{version}"
    return serving_card(store.root, name, version, folder)


def _in_stage(directory: Path, name: str, stage: str) -> str:
    """NAME@VERSION of the version the registry has in `stage` (NotInStageError: exit 9)."""
    from modelci.registry.operations import current

    return f"{name}@{current(directory, name, stage).version}"


def _report(result: Any, summary_path: Path | None) -> None:
    from modelci.adapters.actions import Actions
    from modelci.files import write_text_atomic
    from modelci.report.rollout import render_markdown

    markdown = render_markdown(result)
    if summary_path is not None:
        write_text_atomic(summary_path, markdown)
    Actions().append_summary(markdown)
