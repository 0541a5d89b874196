"""model-pr.yml end to end, as a user's repository calls it, run by act against the fake GitHub.

Each test: a clone of the caller repository (reference pipeline trained on `main`), a head commit
on `feature`, a real `pull_request` payload, act running the caller's workflow (which calls
modelci/modelci/.github/workflows/model-pr.yml@main, which uses modelci/modelci@<sha>), then
assertions on the fake GitHub's comments, the job's result, its summary and the workflow outputs.
Prism checks every API call against GitHub's OpenAPI description.
"""

from __future__ import annotations

import html
import json

import pytest

from tests.support.fake_github import BOT_LOGIN, READ_ONLY_TOKEN
from tests.support.prism import UNDECLARED_STATUS

from .caller import CALLER_REPOSITORY, caller_workflow
from .conftest import PR_NUMBER, Session, World, e2e_outputs, run_caller
from .events import pull_request_event
from .harness import ActResult

pytestmark = pytest.mark.e2e

MARKER = "<!-- modelci:comment-id=modelci -->"


def _event(world: World, action: str = "opened", **kwargs: object) -> dict[str, object]:
    return pull_request_event(
        CALLER_REPOSITORY,
        number=PR_NUMBER,
        base_sha=world.caller.base_sha,
        head_sha=world.caller.head_sha,
        action=action,
        **kwargs,  # type: ignore[arg-type]
    )


def _report(world: World, run_name: str = "run") -> tuple[str, dict[str, object]]:
    """report.md and report.json as the workflow uploaded them (the artifact)."""
    folder = world.artifacts / run_name / "modelci-report-modelci"
    return (
        (folder / "report.md").read_text(encoding="utf-8"),
        json.loads((folder / "report.json").read_text(encoding="utf-8")),
    )


def _assert_job(result: ActResult, expected: str) -> None:
    """The reusable workflow's job ended as `expected`; on success the caller's next job ran.

    (act stops a run at a failed job, so a dependent job never runs after one, even with
    `if: always()`; failure cases read the action's outputs from the job's log instead.)
    """
    results = result.job_results()
    assert results.get("check") == expected, result.describe()
    if expected == "success":
        assert results.get("after") == "success", result.describe()


def _ours(world: World) -> list[tuple[int, str]]:
    return [
        (c.id, c.body)
        for c in world.github.comments(CALLER_REPOSITORY, PR_NUMBER)
        if c.author == BOT_LOGIN
    ]


def _prepare(world: World, message: str = "Tune the decision threshold", **params: object) -> None:
    world.caller.write_workflow(caller_workflow())
    if params:
        world.caller.edit_params(**params)  # type: ignore[arg-type]
    world.caller.commit(message)


def test_first_run_creates_the_comment_and_a_second_run_updates_it(
    e2e: Session, world: World
) -> None:
    _prepare(world, evaluate={"threshold": 0.45})
    first = run_caller(e2e, world, _event(world), run_name="first")
    _assert_job(first, "success")
    markdown, report = _report(world, "first")
    assert report["verdict"] == "pass"
    assert "| <code>f1</code> |" in markdown  # the gates table, one row per gate
    [(comment_id, body)] = _ours(world)
    assert body == f"{MARKER}\n{markdown}"
    assert markdown.strip() in first.summary("check")
    outputs = e2e_outputs(first)
    assert outputs["verdict"] == "pass"
    assert outputs["exit-code"] == "0"
    assert outputs["comment-url"].endswith(f"/pull/{PR_NUMBER}#issuecomment-{comment_id}")
    assert json.loads(outputs["metrics"])["eval/metrics.json:f1"] == report_metric(report, "f1")

    # A push to the pull request: same comment, new body.
    world.caller.edit_params(evaluate={"threshold": 0.4})
    world.caller.commit("Lower the threshold further")
    second = run_caller(e2e, world, _event(world, "synchronize"), run_name="second")
    _assert_job(second, "success")
    markdown_2, _ = _report(world, "second")
    assert markdown_2 != markdown
    assert _ours(world) == [(comment_id, f"{MARKER}\n{markdown_2}")]
    assert [r.method for r in world.github.requests_matching(path=r"/issues/")] == [
        "GET",
        "POST",
        "GET",
        "PATCH",
    ]
    assert e2e_outputs(second)["comment-url"] == outputs["comment-url"]
    # Each run saved what the check remembered (data verdicts, intervals, the base's metrics)
    # under its commit, for the next push to restore.
    saved = sorted(p for p in world.cache_store.iterdir() if p.name.startswith("modelci-results-"))
    assert len(saved) == 2
    for slot in saved:
        assert list((slot / "0" / "validation").glob("*.json")), slot
        assert list((slot / "0" / "revisions").glob("*.json")), slot
    world.contract.verify()


def report_metric(report: dict[str, object], name: str) -> float:
    for change in report["metrics"]:  # type: ignore[attr-defined]
        if change["key"] == name:
            return change["head"]  # type: ignore[no-any-return]
    raise AssertionError(f"no metric {name} in report.json")


def test_a_failing_gate_fails_the_job_and_the_report_names_it(e2e: Session, world: World) -> None:
    # Stumps cannot combine features: F1 falls under its 0.9 gate (params.yaml says so).
    _prepare(world, "Use stumps", train={"max_depth": 1})
    result = run_caller(e2e, world, _event(world))
    _assert_job(result, "failure")
    markdown, report = _report(world)
    failed = [g["metric"] for g in report["gates"] if not g["passed"]]  # type: ignore[index,union-attr]
    assert "f1" in failed
    [(_, body)] = _ours(world)
    assert body == f"{MARKER}\n{markdown}"
    assert "f1" in body and "❌" in body
    assert markdown.strip() in result.summary("check")
    outputs = result.outputs("check")
    assert (outputs["verdict"], outputs["exit-code"]) == ("fail", "1")
    assert outputs["comment-url"].endswith(f"#issuecomment-{_ours(world)[0][0]}")
    errors = result.annotations("error")
    assert {"title": "Gate failed: f1", "file": "params.yaml"}.items() <= errors[0].items()
    assert errors[-1]["title"] == "modelci: gate failed"
    world.contract.verify()


def test_bad_data_fails_the_job_and_the_comment_lists_the_failures(
    e2e: Session, world: World
) -> None:
    _prepare(world, "Upstream feed broke", generate={"inject_errors": 3})
    result = run_caller(e2e, world, _event(world))
    _assert_job(result, "failure")
    markdown, report = _report(world)
    assert report["verdict"] == "invalid-data"
    [(_, body)] = _ours(world)
    assert body == f"{MARKER}\n{markdown}"
    # Every failing check report.json lists, with its column and an example value, is in the
    # comment (whose HTML escapes underscores and brackets).
    [dataset] = report["validation"]  # type: ignore[misc]
    failures = dataset["failures"]
    assert len(failures) == 5  # generate.py injects one kind of error per schema rule it breaks
    text = html.unescape(body)
    for failure in failures:
        assert failure["column"] in text and failure["check"] in text, failure
        assert failure["samples"][0]["value"] in text, failure
    assert "crypto_casino" in text
    outputs = result.outputs("check")
    assert (outputs["verdict"], outputs["exit-code"]) == ("invalid-data", "4")
    titles = [a.get("title") for a in result.annotations("error")]
    assert "modelci: invalid data" in titles  # the action's verdict step
    assert "Invalid data in transactions" in titles  # modelci check's own annotation
    world.contract.verify()


def test_our_comment_on_page_two_is_updated_not_duplicated(e2e: Session, world: World) -> None:
    _prepare(world, "Docs only")
    github = world.github
    github.add_comments(CALLER_REPOSITORY, PR_NUMBER, 110, author="reviewer")
    ours = github.add_comment(
        CALLER_REPOSITORY, PR_NUMBER, f"{MARKER}\nan old report", author=BOT_LOGIN
    )
    github.add_comments(CALLER_REPOSITORY, PR_NUMBER, 5, author="reviewer")
    result = run_caller(e2e, world, _event(world, "synchronize"))
    _assert_job(result, "success")
    markdown, _ = _report(world)
    assert _ours(world) == [(ours, f"{MARKER}\n{markdown}")]
    assert len(github.comments(CALLER_REPOSITORY, PR_NUMBER)) == 116
    assert github.requests_matching("POST") == []
    pages = [r.path for r in github.requests_matching("GET", r"/comments")]
    assert any("page=2" in p for p in pages), pages
    world.contract.verify()


def test_another_users_comment_with_the_marker_is_left_alone(e2e: Session, world: World) -> None:
    _prepare(world, "Docs only")
    quoted = f"Why does the bot write this?\n> {MARKER}\n> old report"
    theirs = world.github.add_comment(CALLER_REPOSITORY, PR_NUMBER, quoted, author="reviewer")
    result = run_caller(e2e, world, _event(world))
    _assert_job(result, "success")
    markdown, _ = _report(world)
    assert world.github.comment(theirs).body == quoted
    [(_, body)] = _ours(world)
    assert body == f"{MARKER}\n{markdown}"
    world.contract.verify()


def test_the_comment_lands_through_a_502_and_a_secondary_rate_limit(
    e2e: Session, world: World
) -> None:
    _prepare(world, "Docs only")
    world.github.enqueue_server_error(502, method="GET", path=r"/comments")
    world.github.enqueue_secondary_rate_limit(retry_after=1, method="POST")
    result = run_caller(e2e, world, _event(world))
    _assert_job(result, "success")
    markdown, _ = _report(world)
    assert _ours(world) == [(_ours(world)[0][0], f"{MARKER}\n{markdown}")]
    statuses = [(r.method, r.status) for r in world.github.requests_matching(path=r"/comments")]
    assert statuses == [("GET", 502), ("GET", 200), ("POST", 403), ("POST", 201)]
    world.contract.allow(UNDECLARED_STATUS)  # GitHub's description declares neither answer
    world.contract.verify()


def test_a_fork_pull_request_gets_the_job_summary_only(e2e: Session, world: World) -> None:
    _prepare(world, "Docs only")
    event = _event(world, head_repository="contributor/fraud-model")
    result = run_caller(e2e, world, event, token=READ_ONLY_TOKEN)
    _assert_job(result, "success")
    markdown, _ = _report(world)
    assert world.github.comments(CALLER_REPOSITORY, PR_NUMBER) == []
    assert world.github.requests_matching(path=r"/comments") == []
    assert markdown.strip() in result.summary("check")
    assert e2e_outputs(result)["comment-url"] == ""
    [notice] = result.annotations("notice")
    assert "docs/fork-pull-requests.md" in notice["message"]
    world.contract.verify()
