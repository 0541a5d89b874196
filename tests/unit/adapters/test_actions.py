import io
from pathlib import Path

from modelci.adapters.actions import Actions, in_actions


def test_in_actions_reads_the_runner_variable() -> None:
    assert in_actions({"GITHUB_ACTIONS": "true"})
    assert not in_actions({})


def test_annotations_escape_data_and_properties() -> None:
    out = io.StringIO()
    Actions(env={}, out=out).error("50% bad\nrows", file="data/a,b.csv", line=14, title="Bad: data")
    assert (
        out.getvalue()
        == "::error file=data/a%2Cb.csv,line=14,title=Bad%3A data::50%25 bad%0Arows\n"
    )


def test_outputs_use_random_heredoc_delimiters(tmp_path: Path) -> None:
    output = tmp_path / "out"
    actions = Actions(env={"GITHUB_OUTPUT": str(output)}, out=io.StringIO())
    assert actions.set_outputs({"verdict": "pass", "metrics": '{"f1":0.9}\nEOF'})
    lines = output.read_text().splitlines()
    assert (
        lines[0].startswith("verdict<<modelci_")
        and lines[1] == "pass"
        and lines[2] == lines[0].split("<<")[1]
    )
    assert lines[4:6] == ['{"f1":0.9}', "EOF"]


def test_summary_appends_and_is_skipped_outside_a_runner(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("before\n")
    assert Actions(env={"GITHUB_STEP_SUMMARY": str(summary)}).append_summary("## Report")
    assert summary.read_text() == "before\n## Report\n"
    assert not Actions(env={}).append_summary("x")


def test_group_wraps_output() -> None:
    out = io.StringIO()
    actions = Actions(env={}, out=out)
    with actions.group("dvc repro"):
        out.write("line\n")
    assert out.getvalue() == "::group::dvc repro\nline\n::endgroup::\n"


def test_groups_do_not_nest_and_close_once() -> None:
    out = io.StringIO()
    actions = Actions(env={}, out=out)
    actions.start_group("one")
    actions.log("a")
    actions.start_group("two: 100%")
    actions.end_group()
    actions.end_group()
    assert out.getvalue() == "::group::one\na\n::endgroup::\n::group::two: 100%25\n::endgroup::\n"
