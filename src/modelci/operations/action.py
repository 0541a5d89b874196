"""What the modelci GitHub Action decides, as pure functions of its inputs and the event.

Which inputs are wrong, which verdict an exit code means and whether the job fails, whether to
post the sticky comment, and what a failed comment means. The `modelci action` commands gather
the facts (inputs, the event payload, the files), call these, and write what they return as
annotations and step outputs; nothing here reads the environment or prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from modelci import ISSUES_URL
from modelci.adapters.actions import MAX_ANNOTATIONS, Actions
from modelci.errors import ExitCode
from modelci.report.model import Report, Verdict

FORK_DOC = "docs/fork-pull-requests.md"

Level = Literal["notice", "warning", "error"]
CommentMode = Literal["auto", "always", "never"]
COMMENT_MODES: tuple[CommentMode, ...] = ("auto", "always", "never")


@dataclass(frozen=True)
class Annotation:
    level: Level
    title: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """What a step shows (a log line or an annotation) and the code it exits with."""

    exit_code: int
    annotation: Annotation | None = None
    log: str | None = None


# -- inputs ----------------------------------------------------------------------------------


def input_problems(
    *,
    comment: str,
    repro: str,
    fail_on_gate: str,
    working_directory: str,
    params_file: str,
    is_dir: Callable[[str], bool],
    is_file: Callable[[str], bool],
) -> list[str]:
    """Every wrong input, each as a sentence saying what to use instead (empty: all fine)."""
    problems = []
    if comment not in COMMENT_MODES:
        problems.append(f"comment is '{comment}'; use auto, always or never.")
    for name, value in (("repro", repro), ("fail-on-gate", fail_on_gate)):
        if value not in ("true", "false"):
            problems.append(f"{name} is '{value}'; use true or false.")
    if not is_dir(working_directory):
        problems.append(
            f"working-directory '{working_directory}' does not exist; check it out first "
            "(actions/checkout) or fix the path."
        )
    else:
        absolute = PurePosixPath(params_file).is_absolute()
        path = params_file if absolute else str(PurePosixPath(working_directory, params_file))
        if not is_file(path):
            problems.append(
                f"params-file '{params_file}' not found in '{working_directory}'; set "
                "params-file or working-directory."
            )
    return problems


# -- verdict ---------------------------------------------------------------------------------

_VERDICTS: dict[int, Verdict] = {
    ExitCode.OK: Verdict.PASS,
    ExitCode.GATE_FAILED: Verdict.FAIL,
    ExitCode.VALIDATION_FAILED: Verdict.INVALID_DATA,
}

# exit code -> (title, what to do); 0 and 1 depend on fail-on-gate and are decided below.
_ERRORS: dict[int, tuple[str, str]] = {
    ExitCode.USAGE: (
        "usage error",
        "modelci check refused its arguments (see the log); check this action's inputs.",
    ),
    ExitCode.CONFIG: (
        "configuration error",
        "Fix the modelci: section of {params_file} (see the log above for the key).",
    ),
    ExitCode.VALIDATION_FAILED: (
        "invalid data",
        "Data failed validation: see the report for the failing checks; fix the data or its "
        "schema.",
    ),
    ExitCode.PIPELINE_FAILED: (
        "pipeline failed",
        "dvc repro or git failed: open the 'dvc repro' log group above. Is the checkout full "
        "(fetch-depth: 0)?",
    ),
    ExitCode.MODEL_REFUSED: (
        "model refused",
        "The model file failed its hash check or needs an untrusted type: see the log above; "
        "rebuild it with dvc repro.",
    ),
    ExitCode.SERVICE: (
        "service error",
        "An outside service (the GitHub API) failed: see the log above; re-run the job later.",
    ),
    ExitCode.REGISTRY: (
        "registry error",
        "The baseline's registry version or its model card could not be read (see the log "
        "above). Are the registry's tags checked out (fetch-depth: 0)?",
    ),
    ExitCode.INTERNAL: (
        "internal error",
        "modelci crashed: this is a bug, not a verdict on the model. Please report it at "
        f"{ISSUES_URL} with the `Internal error:` line above (re-run with MODELCI_DEBUG=1 for "
        "the traceback).",
    ),
}


def parse_exit_code(text: str) -> int | None:
    """The exit code a step output holds; None when it holds none (the check never finished)."""
    text = text.strip()
    return int(text) if text.isdigit() else None


def verdict_for(exit_code: int | None) -> Verdict:
    """pass, fail and invalid-data for their own codes; every other code (or none) is an error."""
    return _VERDICTS.get(exit_code, Verdict.ERROR) if exit_code is not None else Verdict.ERROR


def job_outcome(exit_code: int | None, *, fail_on_gate: bool, params_file: str) -> Outcome:
    """How the job ends for `modelci check`'s exit code: an error always fails it."""
    if exit_code == ExitCode.OK:
        return Outcome(0, log="modelci: passed.")
    if exit_code == ExitCode.GATE_FAILED:
        if not fail_on_gate:
            return Outcome(
                0,
                Annotation(
                    "warning",
                    "modelci",
                    "A metric gate failed (fail-on-gate is false, so the job passes). See the "
                    "report.",
                ),
            )
        return Outcome(
            exit_code,
            Annotation(
                "error",
                "modelci: gate failed",
                "A metric gate failed: see the report for which one; improve the model or "
                f"change the gate in {params_file}.",
            ),
        )
    if exit_code in _ERRORS:
        title, text = _ERRORS[exit_code]
        text = text.format(params_file=params_file)
        return Outcome(exit_code, Annotation("error", f"modelci: {title}", text))
    said = f"exited with {exit_code}" if exit_code is not None else "did not report an exit code"
    # A code modelci does not document (a signal, an unknown failure) is an error too.
    code = exit_code if exit_code is not None and 0 < exit_code < 256 else int(ExitCode.INTERNAL)
    return Outcome(
        code,
        Annotation(
            "error",
            "modelci: failed",
            f"modelci check {said}, which is not a verdict; see its log above.",
        ),
    )


# -- the sticky comment ----------------------------------------------------------------------


@dataclass(frozen=True)
class CommentPlan:
    """Whether to post; when not, what the step says and its exit code."""

    post: bool
    fork: bool = False
    outcome: Outcome = Outcome(0)


def plan_comment(
    mode: CommentMode,
    *,
    event_name: str,
    pr_number: int | None,
    head_repository: str | None,
    repository: str,
    report_exists: bool,
    has_token: bool,
) -> CommentPlan:
    """Decide the comment from the `comment` input, the event and what the check left behind.

    `auto` comments on `pull_request` events from this repository only: a fork's pull request
    gets a read-only token there. `always` tries every pull request (a fork's refusal then
    becomes a warning, see `comment_failure`).
    """
    if mode == "never":
        never = "comment is 'never': the report is in the job summary only."
        return CommentPlan(False, outcome=Outcome(0, log=never))
    if pr_number is None:
        return CommentPlan(
            False,
            outcome=Outcome(
                0,
                log=f"No pull request in this '{event_name}' event: the report is in the job "
                "summary only.",
            ),
        )
    fork = head_repository != repository
    if mode == "auto" and (event_name != "pull_request" or fork):
        where = head_repository or "a deleted fork"
        return CommentPlan(
            False,
            fork,
            Outcome(
                0,
                Annotation(
                    "notice",
                    "modelci",
                    f"Pull request from {where}: the report is in the job summary. To comment "
                    f"on fork pull requests, see {FORK_DOC}.",
                ),
            ),
        )
    if not report_exists:
        return CommentPlan(
            False,
            fork,
            Outcome(
                0,
                Annotation(
                    "warning",
                    "modelci",
                    "No report to post: modelci check stopped before writing it; see its log "
                    "above.",
                ),
            ),
        )
    if not has_token:
        return CommentPlan(
            False,
            fork,
            Outcome(
                ExitCode.USAGE,
                Annotation(
                    "error",
                    "modelci: no token",
                    "github-token is empty; pass a token with pull-requests: write, or set "
                    "comment: never.",
                ),
            ),
        )
    return CommentPlan(True, fork)


def comment_failure(exit_code: int, status: int | None, *, fork: bool) -> Outcome:
    """What a failed comment means: a fork's refusal is expected, a rejected token is not."""
    if fork and status == 403:
        return Outcome(
            0,
            Annotation(
                "warning",
                "modelci",
                "Could not comment on this fork pull request (the token is read-only here); the "
                f"report is in the job summary. See {FORK_DOC}.",
            ),
        )
    if status == 401:
        message = (
            "GitHub rejected the token (401): it is expired, revoked or wrong. Pass a valid "
            "token in github-token, or set comment: never."
        )
        return Outcome(exit_code, Annotation("error", "modelci: token rejected", message))
    if status == 403:
        message = (
            "The token may not comment here (403). Grant the job 'pull-requests: write', or "
            "set comment: never."
        )
        return Outcome(exit_code, Annotation("error", "modelci: comment refused", message))
    return Outcome(
        exit_code,
        Annotation(
            "error",
            "modelci: comment failed",
            f"Could not post the report comment (exit {exit_code}): see the error above.",
        ),
    )


def publish_report(
    actions: Actions,
    report: Report,
    markdown: str,
    paths: Mapping[str, Path],
    config_file: str,
    root: Path,
) -> None:
    """Job summary, outputs and annotations for a finished check; file paths are under `root`."""
    from modelci.metrics.diff import flatten

    actions.append_summary(markdown)
    head_metrics = {c.name: c.head for c in report.metrics if c.in_head}
    actions.set_outputs(
        {
            "verdict": report.verdict.value,
            "exit-code": str(int(report.verdict.exit_code)),
            "report-markdown": str(paths["markdown"]),
            "report-json": str(paths["json"]),
            "metrics": json.dumps(
                flatten(head_metrics) if head_metrics else {}, separators=(",", ":")
            ),
        }
    )
    count = 0
    for result in report.invalid_datasets:
        for failure in result.failures:
            if count >= MAX_ANNOTATIONS:
                break
            sample = next((s for s in failure.samples if s.line is not None), None)
            column = f"{failure.column} · " if failure.column else ""
            example = f" (e.g. line {sample.line}: {sample.value})" if sample else ""
            actions.error(
                f"{column}{failure.check}: {failure.count} row(s) fail{example}",
                file=result.path,
                line=sample.line if sample and result.is_csv else None,
                title=f"Invalid data in {result.dataset}",
                base=root,
            )
            count += 1
    failed = [(gate, f"Gate failed: {gate.metric}") for gate in report.failed_gates]
    failed += [
        (gate, f"Slice gate failed: {item.name}")
        for item in (report.slices.failed if report.slices else ())
        for gate in item.failed_gates
    ]
    for gate, title in failed:
        actions.error(
            "; ".join(gate.reasons), file=config_file, line=gate.line, title=title, base=root
        )
    _annotate_tests(actions, report, config_file, root)
    for check in report.failed_behaviour:
        actions.error(
            check.reason,
            file=config_file,
            title=f"Behaviour check failed: {check.name}",
            base=root,
        )
    if report.error:
        actions.error(report.error, file="dvc.yaml", title="Pipeline failed", base=root)
    for warning in report.warnings:
        actions.warning(warning)


def _annotate_tests(actions: Actions, report: Report, config_file: str, root: Path) -> None:
    """Each failing test on its file and line (an error when the tests are required, else a
    warning); a run with no test, or one that crashed, on the `modelci.tests` configuration."""
    tests = report.tests
    if tests is None or tests.status == "passed":
        return
    level: Level = "error" if tests.blocking else "warning"
    for failure in tests.failures[:MAX_ANNOTATIONS]:
        actions.annotate(
            level,
            failure.message,
            title=f"Test failed: {failure.name}",
            file=failure.file,
            line=failure.line if failure.file else None,
            base=root,
        )
    if not tests.failures:
        title = "No test ran" if tests.status == "no-tests" else "Test run failed"
        actions.annotate(level, tests.summary, title=title, file=config_file, base=root)
