"""Hostile text through every place the report shows text: nobody pinged, nothing injected."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from modelci.adapters.dvc import ReproResult
from modelci.adapters.git import Revision
from modelci.escape import code, fence, mermaid, text
from modelci.metrics import diff_files
from modelci.report import PlotData, Report, Verdict, render_markdown
from modelci.report.text import render_text
from modelci.validation import CheckFailure, FailureSample, ValidationResult
from tests.unit.report.reports import gate_result

HOSTILE = (
    "@user @org/team #123 GH-7 <script>x</script> `tick` a|b a<b *em* [l](u)\n### Injected \x1b[31m"
)


def hostile_report(verdict: Verdict = Verdict.FAIL) -> Report:
    h = HOSTILE
    failure = CheckFailure(column=h, check=h, count=1, samples=(FailureSample(row=0, value=h),))
    return Report(
        title=h,
        verdict=verdict,
        head=Revision(ref=h, sha="b" * 40, subject=h),
        base=Revision(ref=h, sha="a" * 40, subject=h),
        validation=[ValidationResult(dataset=h, path=h, schema=h, rows=2, failures=(failure,))],
        repro=ReproResult(targets=(), ran=(h,), skipped=(h,)),
        metrics=diff_files({h: {h: 1.0, "x": h}}, {h: {h: 2.0, "x": h + "!"}}),
        params=diff_files({"params.yaml": {h: h}}, {"params.yaml": {h: h + "2"}}),
        gates=[gate_result(False, metric=h, reasons=(h,), notes=(h,), source=f"{h}:{h}")],
        plots=[
            PlotData(title=h, path=h, kind="line", x=h, y=h, points=((0.0, 1.0), (1.0, 0.0))),
            PlotData(title=h, path=h, kind="line", problem=h),
            PlotData(
                title=h, path=h, kind="confusion", matrix={"tn": 1, "fp": 0, "fn": 0, "tp": 1}
            ),
        ],
        warnings=[h],
        error=h,
        error_log=h + "\n```\n" + h,
    )


def outside_fences(markdown: str) -> str:
    return re.sub(r"^(`{3,})[^\n]*\n.*?^\1$", "", markdown, flags=re.S | re.M)


def visible_text(markdown: str) -> str:
    """What GitHub scans for mentions and references: text outside code, decoded."""
    return html.unescape(re.sub(r"<code>.*?</code>", "", outside_fences(markdown)))


@pytest.mark.parametrize("verdict", [Verdict.FAIL, Verdict.ERROR])
def test_hostile_text_pings_nobody_and_injects_nothing(verdict: Verdict) -> None:
    markdown = render_markdown(hostile_report(verdict))
    shown = visible_text(markdown)
    assert HOSTILE.split()[0] in html.unescape(markdown)  # shown, not dropped
    assert not re.search(r"@\w", shown), "a mention would ping"
    assert not re.search(r"#\d", shown), "an issue reference would link"
    assert not re.search(r"GH-\d", shown)
    assert "<script" not in outside_fences(markdown) and "&lt;" not in markdown
    assert "\x1b" not in markdown
    assert not any(
        line.startswith("### Injected") for line in outside_fences(markdown).splitlines()
    )
    for line in markdown.splitlines():  # every row keeps its header's cell count
        if line.startswith("|") and not line.startswith("| ---"):
            cells = re.split(r"(?<!\\)\|", line)
            assert "`" not in line, line
            assert len(cells) in (4, 5, 6, 7, 8), line


def test_a_metric_name_in_a_code_span_reads_as_written() -> None:
    report = hostile_report()
    report.metrics = diff_files(None, {"m.json": {"a<b": 1}})
    markdown = render_markdown(report)
    assert "<code>m.json:a&#60;b</code>" in markdown
    assert html.unescape("m.json:a&#60;b") == "m.json:a<b"


def test_the_log_stays_inside_its_fence() -> None:
    markdown = render_markdown(hostile_report(Verdict.ERROR))
    opener = next(line for line in markdown.splitlines() if line.endswith("text"))
    assert opener.startswith("````")  # longer than the ``` inside the log


def test_escapers_per_context() -> None:
    assert text("@org/team #1 a|b") == "&#64;&#8203;org/team &#35;&#8203;1 a&#124;b"
    assert text("line\n### two") == "line &#35;&#8203;&#35;&#8203;&#35;&#8203; two"
    assert code("a<b|`c`") == "<code>a&#60;b&#124;&#96;c&#96;</code>"
    assert fence("x ```` y") == ["`````text", "x ```` y", "`````"]
    assert mermaid('say "hi"\n#1 <b>') == "say hi 1 b"


def test_the_text_report_shows_hostile_text_printable() -> None:
    out = render_text(hostile_report(), color=False)
    assert "\x1b" not in out
    assert "\\x1b[31m" in out  # shown, escaped
    assert not any(line.startswith("### Injected") for line in out.splitlines())


def test_validation_markdown_uses_the_same_escapers() -> None:
    from modelci.validation import render_markdown as render_validation

    result = hostile_report().validation[0]
    rendered = render_validation([replace(result, dataset="@team")])
    assert f"**{text('@team')}**" in rendered
