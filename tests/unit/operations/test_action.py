"""The action's decisions: inputs, verdicts and job results per exit code, when to comment."""

from __future__ import annotations

import itertools

import pytest

from modelci.errors import ExitCode
from modelci.operations.action import (
    FORK_DOC,
    Annotation,
    CommentPlan,
    Outcome,
    comment_failure,
    input_problems,
    job_outcome,
    parse_exit_code,
    plan_comment,
    verdict_for,
)
from modelci.report.model import Verdict

REPO = "octo-org/model-repo"


# -- inputs ----------------------------------------------------------------------------------


def _problems(**overrides: str) -> list[str]:
    inputs = {
        "comment": "auto",
        "repro": "true",
        "fail_on_gate": "true",
        "working_directory": ".",
        "params_file": "params.yaml",
    } | overrides
    dirs = {".", "project"}
    files = {"params.yaml", "project/params.yaml", "/abs/params.yaml"}
    return input_problems(**inputs, is_dir=dirs.__contains__, is_file=files.__contains__)


def test_good_inputs_have_no_problem() -> None:
    assert _problems() == []
    assert _problems(working_directory="project", comment="never", repro="false") == []
    assert _problems(params_file="/abs/params.yaml", working_directory="project") == []


def test_every_bad_input_is_named_with_what_to_use() -> None:
    assert _problems(comment="sometimes", repro="yes", fail_on_gate="False") == [
        "comment is 'sometimes'; use auto, always or never.",
        "repro is 'yes'; use true or false.",
        "fail-on-gate is 'False'; use true or false.",
    ]


def test_a_missing_directory_or_params_file_is_refused() -> None:
    assert _problems(working_directory="nope") == [
        "working-directory 'nope' does not exist; check it out first (actions/checkout) or "
        "fix the path."
    ]
    assert _problems(working_directory="project", params_file="other.yaml") == [
        "params-file 'other.yaml' not found in 'project'; set params-file or working-directory."
    ]


# -- verdicts and the job's result -----------------------------------------------------------


VERDICTS = [
    (0, Verdict.PASS),
    (1, Verdict.FAIL),
    (2, Verdict.ERROR),
    (3, Verdict.ERROR),
    (4, Verdict.INVALID_DATA),
    (5, Verdict.ERROR),
    (6, Verdict.ERROR),
    (7, Verdict.ERROR),  # a model file refused
    (8, Verdict.ERROR),  # drift is not a verdict of `modelci check`
    (9, Verdict.ERROR),  # `--baseline`: the registry could not answer
    (10, Verdict.ERROR),  # `rollout run` only: never a check's, so never a verdict
    (11, Verdict.ERROR),
    (70, Verdict.ERROR),
    (130, Verdict.ERROR),
    (137, Verdict.ERROR),
    (None, Verdict.ERROR),
]


@pytest.mark.parametrize(("code", "verdict"), VERDICTS)
def test_verdict_for_every_exit_code(code: int | None, verdict: Verdict) -> None:
    assert verdict_for(code) is verdict


def test_every_documented_exit_code_has_a_verdict_case() -> None:
    assert {int(c) for c in ExitCode} <= {code for code, _ in VERDICTS}


@pytest.mark.parametrize(
    ("text", "code"), [("0", 0), ("70", 70), (" 1\n", 1), ("", None), ("x", None), ("-1", None)]
)
def test_parse_exit_code(text: str, code: int | None) -> None:
    assert parse_exit_code(text) == code


def test_a_pass_passes_the_job() -> None:
    for fail_on_gate in (True, False):
        assert job_outcome(0, fail_on_gate=fail_on_gate, params_file="p.yaml") == Outcome(
            0, log="modelci: passed."
        )


def test_a_failed_gate_fails_the_job_unless_fail_on_gate_is_false() -> None:
    assert job_outcome(1, fail_on_gate=True, params_file="cfg/params.yaml") == Outcome(
        1,
        Annotation(
            "error",
            "modelci: gate failed",
            "A metric gate failed: see the report for which one; improve the model or change "
            "the gate in cfg/params.yaml.",
        ),
    )
    assert job_outcome(1, fail_on_gate=False, params_file="p.yaml") == Outcome(
        0,
        Annotation(
            "warning",
            "modelci",
            "A metric gate failed (fail-on-gate is false, so the job passes). See the report.",
        ),
    )


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (2, "modelci: usage error"),
        (3, "modelci: configuration error"),
        (4, "modelci: invalid data"),
        (5, "modelci: pipeline failed"),
        (6, "modelci: service error"),
        (7, "modelci: model refused"),
        (9, "modelci: registry error"),
        (70, "modelci: internal error"),
    ],
)
@pytest.mark.parametrize("fail_on_gate", [True, False])
def test_every_error_fails_the_job_whatever_fail_on_gate_says(
    code: int, title: str, fail_on_gate: bool
) -> None:
    outcome = job_outcome(code, fail_on_gate=fail_on_gate, params_file="p.yaml")
    assert outcome.exit_code == code
    assert outcome.annotation is not None
    assert (outcome.annotation.level, outcome.annotation.title) == ("error", title)


def test_a_crash_asks_for_a_bug_report() -> None:
    outcome = job_outcome(70, fail_on_gate=False, params_file="p.yaml")
    assert outcome.annotation == Annotation(
        "error",
        "modelci: internal error",
        "modelci crashed: this is a bug, not a verdict on the model. Please report it at "
        "https://github.com/modelci/modelci/issues with the `Internal error:` line above "
        "(re-run with MODELCI_DEBUG=1 for the traceback).",
    )


@pytest.mark.parametrize(("code", "step_exit"), [(137, 137), (130, 130), (300, 70), (None, 70)])
def test_an_unknown_or_missing_code_is_an_error_that_fails_the_job(
    code: int | None, step_exit: int
) -> None:
    outcome = job_outcome(code, fail_on_gate=False, params_file="p.yaml")
    said = f"exited with {code}" if code is not None else "did not report an exit code"
    assert outcome == Outcome(
        step_exit,
        Annotation(
            "error",
            "modelci: failed",
            f"modelci check {said}, which is not a verdict; see its log above.",
        ),
    )


# -- when to comment -------------------------------------------------------------------------


def _plan(
    mode: str = "auto",
    *,
    event: str = "pull_request",
    pr: int | None = 7,
    head: str | None = REPO,
    report: bool = True,
    token: bool = True,
) -> CommentPlan:
    return plan_comment(
        mode,  # type: ignore[arg-type]
        event_name=event,
        pr_number=pr,
        head_repository=head,
        repository=REPO,
        report_exists=report,
        has_token=token,
    )


@pytest.mark.parametrize(
    ("mode", "event", "fork", "posts"),
    [
        (
            mode,
            event,
            fork,
            mode == "always" or (mode == "auto" and event == "pull_request" and not fork),
        )
        for mode, event, fork in itertools.product(
            ["auto", "always", "never"], ["pull_request", "pull_request_target"], [False, True]
        )
    ],
)
def test_who_gets_a_comment(mode: str, event: str, fork: bool, posts: bool) -> None:
    head = "contributor/model-repo" if fork else REPO
    plan = _plan(mode, event=event, head=head)
    assert plan.post is posts
    if mode != "never":
        assert plan.fork is fork


def test_never_and_no_pull_request_only_say_where_the_report_is() -> None:
    assert _plan("never") == CommentPlan(
        False, outcome=Outcome(0, log="comment is 'never': the report is in the job summary only.")
    )
    assert _plan("always", event="push", pr=None) == CommentPlan(
        False,
        outcome=Outcome(
            0, log="No pull request in this 'push' event: the report is in the job summary only."
        ),
    )


def test_a_fork_under_auto_gets_a_notice_pointing_at_the_recipe() -> None:
    plan = _plan(head=None)  # the fork was deleted
    assert plan == CommentPlan(
        False,
        True,
        Outcome(
            0,
            Annotation(
                "notice",
                "modelci",
                "Pull request from a deleted fork: the report is in the job summary. To comment "
                f"on fork pull requests, see {FORK_DOC}.",
            ),
        ),
    )


def test_no_report_is_a_warning_and_no_token_an_error() -> None:
    missing = _plan(report=False)
    assert (missing.post, missing.outcome.exit_code) == (False, 0)
    assert missing.outcome.annotation is not None
    assert missing.outcome.annotation.level == "warning"
    assert _plan(token=False).outcome == Outcome(
        ExitCode.USAGE,
        Annotation(
            "error",
            "modelci: no token",
            "github-token is empty; pass a token with pull-requests: write, or set comment: never.",
        ),
    )


# -- a failed comment ------------------------------------------------------------------------


def test_a_rejected_token_says_so_and_advises_no_permission() -> None:
    for fork in (False, True):
        outcome = comment_failure(6, 401, fork=fork)
        assert outcome == Outcome(
            6,
            Annotation(
                "error",
                "modelci: token rejected",
                "GitHub rejected the token (401): it is expired, revoked or wrong. Pass a valid "
                "token in github-token, or set comment: never.",
            ),
        )
        assert outcome.annotation is not None
        assert "permission" not in outcome.annotation.message


def test_a_refusal_advises_the_permission_except_on_a_fork() -> None:
    assert comment_failure(6, 403, fork=False) == Outcome(
        6,
        Annotation(
            "error",
            "modelci: comment refused",
            "The token may not comment here (403). Grant the job 'pull-requests: write', or set "
            "comment: never.",
        ),
    )
    fork = comment_failure(6, 403, fork=True)
    assert fork.exit_code == 0
    assert fork.annotation is not None and fork.annotation.level == "warning"


def test_other_failures_fail_with_their_code() -> None:
    assert comment_failure(6, 404, fork=True) == Outcome(
        6,
        Annotation(
            "error",
            "modelci: comment failed",
            "Could not post the report comment (exit 6): see the error above.",
        ),
    )
    assert comment_failure(2, None, fork=False).exit_code == 2
