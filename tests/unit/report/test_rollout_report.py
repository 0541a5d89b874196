"""The automatic rollout's report: a table per step, the traffic split as a Mermaid chart that
Mermaid's own parser accepts, and untrusted text (reasons, versions) escaped."""

from __future__ import annotations

import time
from pathlib import Path

from modelci.analysis import CheckResult, CheckStatus, StepVerdict, Verdict
from modelci.report.rollout import ending_text, render_markdown, step_text
from modelci.rollout.analysis import Decision
from modelci.rollout.auto import Ending, RunResult, StepRecord
from modelci.rollout.state import Phase, RolloutState, Server
from tests.unit.report.test_charts import parse_charts


def _verdict(step: int, look: int, verdict: Verdict, reason: str) -> StepVerdict:
    status = CheckStatus.FAIL if verdict is Verdict.FAIL else CheckStatus.PASS
    checks = (
        CheckResult("errors", CheckStatus.PASS, "0 of 200 vs 1 of 600", test="Fisher",
                    p_value=0.8, alpha=0.0056, effect=-0.002, effect_name="rise",
                    tolerance=0.01),
        CheckResult("scores", status, reason, test="chi-square", p_value=1e-9, alpha=0.0056,
                    effect=0.42, effect_name="PSI", tolerance=0.1),
    )  # fmt: skip
    return StepVerdict(
        step=step, look=look, looks=2, verdict=verdict, score=50.0 if status is CheckStatus.FAIL else 100.0,
        alpha=0.0056, checks=checks, reasons=(f"scores: {reason}",), canary_requests=200,
        stable_requests=600,
    )  # fmt: skip


def _result(hostile: str) -> RunResult:
    state = RolloutState(
        environment="production",
        stable=Server("fraud-detector@v1.2.0", ("serve",)),
        canary=Server(f"fraud-detector@{hostile}", ("serve",)),
        steps=(25, 50, 100),
        step=1,
        phase=Phase.ROLLED_BACK,
        started_at=time.time(),
        health_path="/v2/health/ready",
        reason=f"scores: {hostile}",
    )
    steps = (
        StepRecord(0, 25, Decision.CONTINUE, "step", "step 2", _verdict(25, 1, Verdict.PASS, "ok"),
                   0.004),
        StepRecord(1, 50, Decision.ROLL_BACK, "rolled-back", "rolled back",
                   _verdict(50, 2, Verdict.FAIL, hostile), 0.003),
    )  # fmt: skip
    return RunResult(Ending.ROLLED_BACK, (f"scores: {hostile}",), state, steps, "started")


HOSTILE = '@org/team <img src=x> | "] #; `x`'


def test_each_step_has_a_table_of_its_checks_and_the_ending_its_reasons() -> None:
    markdown = render_markdown(_result("v1.3.0"))
    assert "**rolled back: all traffic is on the stable**" in markdown
    assert "### Step 1: canary at 25%" in markdown
    assert "### Step 2: canary at 50%" in markdown
    assert markdown.count("| Check | Status | Test | p-value | alpha | Effect | Tolerance |") == 2
    assert "| <code>scores</code> | fail | chi-square | 1e-09 | 0.0056 | 0.42 (PSI) | 0.1 |" in (
        markdown
    )
    assert "decision **roll-back**" in markdown
    assert "    bar [25, 50, 0]" in markdown  # the two analysed steps, then where it ended


def test_untrusted_text_is_escaped_and_the_chart_still_parses(tmp_path: Path) -> None:
    markdown = render_markdown(_result(HOSTILE))
    assert "<img" not in markdown
    assert "@org/team" not in markdown  # nobody is pinged
    run = parse_charts(tmp_path, markdown)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_text_rendering_shows_each_check_and_the_action() -> None:
    result = _result("v1.3.0")
    lines = step_text(result.steps[1])
    assert lines[0] == "step 2 (50%): fail, score 50, canary 200 and stable 600 requests"
    assert "  scores: fail: v1.3.0" in lines
    assert lines[-1] == "  -> roll-back: rolled back"
    assert ending_text(result)[0] == (
        "Canary fraud-detector@v1.3.0: rolled back: all traffic is on the stable."
    )
