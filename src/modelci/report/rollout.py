"""An automatic rollout's report: the ending and its reasons, the traffic split over the steps
as a Mermaid chart, then a table per step (each check: status, test, p-value against alpha,
effect against tolerance, reason), and a one-line text rendering per step for a terminal."""

from __future__ import annotations

import json

from modelci.analysis import CheckResult, StepVerdict
from modelci.escape import code, mermaid, text
from modelci.rollout.auto import Ending, RunResult, StepRecord

_HEADLINE = {
    Ending.PROMOTED: "promoted: it takes all traffic",
    Ending.ROLLED_BACK: "rolled back: all traffic is on the stable",
    Ending.INCONCLUSIVE: "inconclusive (too little evidence), rolled back: never promoted",
}
CANARY_COLOUR = "#1f77b4"


def render_markdown(result: RunResult) -> str:
    state = result.state
    lines = [
        f"## Canary rollout to {code(state.environment)}",
        "",
        f"Canary {code(state.canary.version)} against stable {code(state.stable.version)}: "
        f"**{_HEADLINE[result.ending]}**.",
        "",
    ]
    lines += [f"- {text(reason)}" for reason in result.reasons]
    if result.assigned:
        lines += [
            "",
            f"Registry: {code(result.assigned.get('version'))} assigned to stage "
            f"{code(result.assigned.get('stage'))} (tag {code(result.assigned.get('tag'))}"
            + (", pushed" if result.assigned.get("pushed") else "")
            + ").",
        ]
    lines += ["", *traffic_chart(result)]
    for record in result.steps:
        lines += ["", *_step_markdown(record)]
    return "\n".join(lines) + "\n"


def traffic_chart(result: RunResult) -> list[str]:
    """The canary's share per analysed window, then where the rollout ended (100 or 0)."""
    labels = [f"step {record.step + 1}" for record in result.steps] + [str(result.ending)]
    shares = [record.canary_percent for record in result.steps] + [result.state.canary_percent]
    init = json.dumps({"themeVariables": {"xyChart": {"plotColorPalette": CANARY_COLOUR}}})
    return [
        "```mermaid",
        "%%{init: " + init + "}%%",
        "xychart-beta",
        '    title "Canary share of traffic (percent)"',
        "    x-axis [" + ", ".join(f'"{mermaid(label)}"' for label in labels) + "]",
        '    y-axis "canary percent" 0 --> 100',
        f"    bar [{', '.join(str(share) for share in shares)}]",
        "```",
    ]


def _step_markdown(record: StepRecord) -> list[str]:
    verdict = record.verdict
    title = f"### Step {record.step + 1}: canary at {record.canary_percent}%"
    if verdict is None:
        return [title, "", f"No verdict: {text(record.message)}; decision **{record.decision}**."]
    lines = [
        title,
        "",
        f"Verdict **{verdict.verdict}** ({_score(verdict)}; look {verdict.look} of "
        f"{verdict.looks}, alpha {verdict.alpha:.3g} per check; canary "
        f"{verdict.canary_requests:,} and stable {verdict.stable_requests:,} requests); "
        f"decision **{record.decision}**.",
        "",
        "| Check | Status | Test | p-value | alpha | Effect | Tolerance | Reason |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
        *(_check_row(check) for check in verdict.checks),
    ]
    return lines


def _check_row(check: CheckResult) -> str:
    effect = "" if check.effect is None else f"{check.effect:.3g}"
    if effect and check.effect_name:
        effect += f" ({text(check.effect_name)})"
    cells = [
        code(check.name),
        str(check.status),
        text(check.test or ""),
        _number(check.p_value),
        _number(check.alpha),
        effect,
        _number(check.tolerance),
        text(check.reason),
    ]
    return "| " + " | ".join(cells) + " |"


def step_text(record: StepRecord) -> list[str]:
    """A step for a terminal: the verdict line, each check, and what the rollout did."""
    verdict = record.verdict
    lines = []
    if verdict is None:
        lines.append(f"step {record.step + 1} ({record.canary_percent}%): no verdict")
    else:
        lines.append(
            f"step {record.step + 1} ({record.canary_percent}%): {verdict.verdict}, "
            f"{_score(verdict)}, canary {verdict.canary_requests} and stable "
            f"{verdict.stable_requests} requests"
        )
        lines += [f"  {check.name}: {check.status}: {check.reason}" for check in verdict.checks]
    lines.append(f"  -> {record.decision}: {record.message}")
    return lines


def ending_text(result: RunResult) -> list[str]:
    lines = [f"Canary {result.state.canary.version}: {_HEADLINE[result.ending]}."]
    lines += [f"  {reason}" for reason in result.reasons]
    if result.assigned:
        lines.append(
            f"Assigned {result.assigned.get('version')} to stage {result.assigned.get('stage')} "
            f"(tag {result.assigned.get('tag')})."
        )
    return lines


def _score(verdict: StepVerdict) -> str:
    return "score n/a" if verdict.score is None else f"score {verdict.score:g}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
