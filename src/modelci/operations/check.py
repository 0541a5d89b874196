"""`modelci check`: the whole pull-request verdict as one operation.

validate data -> dvc repro -> diff metrics and params against the base -> evaluate gates -> Report.
Bad data stops the run before training. The operation returns a Report and never prints; progress
goes to an optional callback so the CLI (or a workflow) decides how to show it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from modelci.adapters import dvc, git
from modelci.config import SECTION, Config, load_config
from modelci.errors import UsageError
from modelci.files import exclusive_lock
from modelci.metrics import diff_files
from modelci.operations.intervals import intervals_for
from modelci.operations.slices import slices_for
from modelci.report.model import Baseline, Report, Verdict
from modelci.report.plots import load_plot
from modelci.rules import evaluate_gates

# DVC's own scratch directory (git-ignored by `dvc init`): unchanged data is not validated twice.
CHECK_LOCK = Path(".dvc/tmp/modelci/check.lock")

Progress = Callable[[str, str], None]  # (kind, text): kind is "step" (a heading) or "log" (a line)


@dataclass(frozen=True)
class CheckOptions:
    root: Path
    params_file: Path = Path("params.yaml")
    base: str | None = None
    repro: bool = True
    baseline: str | None = None  # a registry stage (`production`, `NAME#production`)


@contextmanager
def check_lock(root: Path) -> Iterator[None]:
    """Refuse a second check in the same workspace while one runs (it would race on dvc repro
    and on the report); the lock lives in DVC's git-ignored scratch directory."""
    root = root.resolve()
    if not (root / ".dvc").is_dir():
        yield  # not a DVC repository: the check stops with that error, in its usual order
        return
    with exclusive_lock(root / CHECK_LOCK, purpose="a modelci check"):
        yield


def _quiet(kind: str, text: str) -> None:
    """Default progress sink: discard."""


def run_check(options: CheckOptions, progress: Progress = _quiet) -> tuple[Config, Report]:
    root = options.root.resolve()
    params_path = (
        options.params_file if options.params_file.is_absolute() else root / options.params_file
    )
    config = load_config(params_path)
    if config.section.behaviour is not None:
        from modelci.behaviour import require_model_extra

        require_model_extra()  # before the pipeline runs, not after it
    dvc.ensure_dvc_repository(root)
    base = git.resolve(root, options.base) if options.base else None
    report = Report(title=config.report.title, verdict=Verdict.PASS, head=git.head(root), base=base)
    base_metrics = _baseline(root, options, report) if options.baseline else None

    with dvc.Project(root) as project:  # one DVC repository for the whole check
        report = _check(config, project, options, params_path, report, progress, base_metrics)
    if config.section.tests is not None and report.tests is None:
        report.warnings.append(
            "the team's tests did not run: they run after the pipeline (`modelci.tests.when: "
            "after-pipeline`), which did not finish"
        )
    return config, report


def _baseline(root: Path, options: CheckOptions, report: Report) -> dvc.FileValues | None:
    """`--baseline STAGE`: the base is the commit of the version in that stage, and the base
    metrics are its model card's (what the version scored when it was registered)."""
    from modelci.registry.operations import baseline

    if options.base:
        raise UsageError(
            "--base and --baseline exclude each other",
            hint="compare with a git revision (--base) or with a registry stage (--baseline)",
        )
    assert options.baseline is not None
    stage, version, card = baseline(root, options.baseline)
    if version is None or card is None:
        report.warnings.append(
            f"no registered version is in stage `{stage}` yet: nothing to compare with "
            "(a first run)"
        )
        return None
    subject = git.resolve(root, version.commit).subject
    report.base = git.Revision(
        ref=f"{version.name}@{version.version} ({stage})", sha=version.commit, subject=subject
    )
    report.baseline = Baseline(
        stage=stage, name=version.name, version=version.version, commit=version.commit
    )
    return card.metric_files()


def _check(
    config: Config,
    project: dvc.Project,
    options: CheckOptions,
    params_path: Path,
    report: Report,
    progress: Progress,
    base_metrics: dvc.FileValues | None = None,
) -> Report:
    root, base = project.root, report.base
    tests = config.section.tests
    if tests is not None and tests.when == "before-pipeline":
        _run_tests(config, root, params_path, report, progress)
    try:
        data_run: dvc.ReproResult | None = None
        if config.data:
            data_run = _validate_data(config, project, options, report, progress)
            if report.invalid_datasets:
                report.repro = data_run  # only the stages that produced the data ran
                report.verdict = Verdict.INVALID_DATA
                # The params still say what this change did to the data (a reviewer needs it).
                _compare_params(config, project, params_path, report)
                return report
        if options.repro:
            progress("step", "Reproducing the pipeline (dvc repro)")
            # Stages the data step already brought up to date are skipped in the same plan.
            full_run = project.repro(on_line=lambda line: progress("log", line))
            report.repro = full_run.after(data_run) if data_run else full_run
    except dvc.ReproFailed as failure:
        report.verdict = Verdict.ERROR
        report.error = failure.message
        report.error_log = failure.log_tail
        _compare_params(config, project, params_path, report)
        return report
    if tests is not None and tests.when == "after-pipeline":
        _run_tests(config, root, params_path, report, progress)

    progress("step", "Comparing metrics and params" + (f" with {base.ref}" if base else ""))
    _compare_metrics(project, report, base_metrics)
    _compare_params(config, project, params_path, report)
    if config.predictions is not None:
        progress("step", f"Bootstrap intervals from {config.predictions.path}")
        report.intervals = intervals_for(config.predictions, config.intervals, root, report)
    report.gates = evaluate_gates(
        config.gates, report.metrics, report.intervals, file=_relative(params_path, root)
    )
    if config.slices is not None:
        progress("step", f"Metrics per slice of {config.slices.data}")
        report.slices = slices_for(config, root, report)
    base_sha = base.sha if base else None
    report.plots = [
        load_plot(root, plot, git.show_file(root, base_sha, plot.path) if base_sha else None)
        for plot in config.report.plots
    ]
    if config.section.behaviour is not None:
        _behaviour(config, root, report, progress)
    report.verdict = Verdict.FAIL if report.checks_failed else Verdict.PASS
    return report


def _behaviour(config: Config, root: Path, report: Report, progress: Progress) -> None:
    from modelci.operations.behaviour import behaviour_for

    behaviour = config.section.behaviour
    assert behaviour is not None
    progress("step", f"Behaviour checks of the trained model ({behaviour.checks} checks)")
    threshold = config.predictions.threshold if config.predictions else 0.5
    report.behaviour = behaviour_for(behaviour, root, threshold=threshold)
    report.warnings += report.behaviour.warnings


def _run_tests(
    config: Config, root: Path, params_path: Path, report: Report, progress: Progress
) -> None:
    """The team's own test command, with the user's interpreter (see modelci.testsuite)."""
    from modelci.testsuite import run_tests

    tests = config.section.tests
    assert tests is not None
    progress("step", f"Running the team's tests ({tests.command})")
    report.tests = run_tests(
        tests,
        root,
        params_file=params_path,
        config_file=_relative(params_path, root) or str(params_path),
        on_line=lambda line: progress("log", line),
    )


def _validate_data(
    config: Config, project: dvc.Project, options: CheckOptions, report: Report, progress: Progress
) -> dvc.ReproResult | None:
    from modelci.validation import CACHE_DIR, validate_cached

    # Datasets a stage writes (like the reference pipeline's `generate`) must exist, and be
    # current, before they are validated: reproduce just those stages and their upstream.
    root = project.root
    data_run = None
    if options.repro:
        producers = project.producing_stages([dataset.path for dataset in config.data])
        stages = sorted({stage for stage in producers.values() if stage})
        if stages:
            progress("step", f"Producing the data to validate (dvc repro {' '.join(stages)})")
            data_run = project.repro(stages, on_line=lambda line: progress("log", line))
    for dataset in config.data:
        progress("step", f"Validating {dataset.name} ({dataset.path}) against {dataset.schema}")
        result = validate_cached(
            root / dataset.path,
            dataset.schema,
            base_dir=root,
            name=dataset.name,
            max_samples=config.report.max_samples,
            cache_dir=root / CACHE_DIR,
        )
        # Report the path as configured (repository-relative): annotations point at it.
        report.validation.append(replace(result, path=dataset.path))
    return data_run


def _compare_metrics(
    project: dvc.Project, report: Report, card_metrics: dvc.FileValues | None = None
) -> None:
    base_sha = report.base.sha if report.base else None
    head_metrics = project.metrics()
    if card_metrics is not None:  # --baseline: the registered version's card, not its files
        base_metrics: dvc.Snapshot | None = dvc.Snapshot(files=card_metrics)
    else:
        base_metrics = project.metrics(base_sha) if base_sha else None
    for file, problem in head_metrics.problems.items():
        report.warnings.append(f"metrics file {file} could not be read on the head: {problem}")
    if base_metrics:
        for file, problem in base_metrics.problems.items():
            report.warnings.append(f"metrics file {file} could not be read on the base: {problem}")

    report.metrics = diff_files(base_metrics.files if base_metrics else None, head_metrics.files)


def _compare_params(
    config: Config, project: dvc.Project, params_path: Path, report: Report
) -> None:
    root = project.root
    base_sha = report.base.sha if report.base else None
    head_params = project.params()
    base_params = project.params(base_sha) if base_sha else None
    # modelci's own section is configuration, not a model param: diffed apart (config_changed).
    report.params = diff_files(
        base_params.files if base_params else None, head_params.files, ignore=(SECTION,)
    )
    if base_params is not None:
        base_section = base_params.files.get(_relative(params_path, root), {}).get(SECTION)
        report.config_changed = base_section is not None and base_section != dict(config.raw)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
