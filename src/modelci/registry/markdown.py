"""The model card as Markdown (a release's notes, a job summary), every value escaped; and the
pair of files (model-card.json, model-card.md) written beside a registration or an image.

Names, paths, params, commit subjects and schema text come from the repository, so they go
through modelci's one escaper set (`modelci.escape`), as the report's do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelci.escape import code, fence, text
from modelci.files import write_text_atomic
from modelci.metrics.shown import number
from modelci.registry.card import CARD_FILE, Metric, ModelCard, card_json


def render_card_markdown(card: ModelCard) -> str:
    lines = [
        f"# {text(card.name)} {text(card.version)}",
        "",
        f"Commit {code(card.git.commit)}"
        + (f": {text(card.git.subject)}" if card.git.subject else "")
        + f". Registered {text(card.created_at)} by modelci {text(card.modelci_version)}; "
        f"tag {code(card.git.tag)}.",
        "",
        f"Check: {text(card.check.summary)}"
        + (f" (against {text(card.check.base.ref)})" if card.check.base else ""),
    ]
    if card.image is not None:
        lines += ["", f"Image: {code(card.image.ref + '@' + card.image.digest)}"]
    lines += ["", "## Metrics", "", "| Metric | Value | Interval |", "| --- | ---: | --- |"]
    lines += [_metric_row(metric) for metric in card.metrics]
    if card.gates:
        lines += ["", "## Gates", "", "| Metric | Result | Reason |", "| --- | --- | --- |"]
        for gate in card.gates:
            reason = "; ".join(gate.reasons or gate.notes)
            lines.append(
                f"| {code(gate.metric)} | {'pass' if gate.passed else 'fail'} | {text(reason)} |"
            )
    model = card.model
    lines += [
        "",
        "## Model file",
        "",
        "| Path | Format | MD5 (dvc.lock) | SHA-256 |",
        "| --- | --- | --- | --- |",
        f"| {code(model.path)} | {text(model.format or '-')} | {code(model.md5 or '-')} "
        f"| {code(model.sha256 or '-')} |",
    ]
    if model.trusted_types:
        lines += ["", "Trusted types: " + ", ".join(code(t) for t in model.trusted_types)]
    lines += [
        "",
        "## Lineage (dvc.lock)",
        "",
        "| Path | MD5 | Written by | Used by |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {code(f.path)} | {code(f.md5 or '-')} | {text(f.produced_by or '-')} "
        f"| {text(', '.join(f.used_by) or '-')} |"
        for f in card.dependencies
    ]
    lines += ["", "## Params", ""]
    lines += [f"- {code(file)}: {code(_compact(values))}" for file, values in card.params.items()]
    if card.schemas:
        lines += ["", "## Data schemas", ""]
        for schema in card.schemas:
            lines.append(
                f"- {text(schema.dataset)} ({code(schema.path)}): {code(schema.spec)}, "
                f"SHA-256 {code(schema.sha256)}"
            )
    env = card.environment
    lines += ["", "## Training environment", ""]
    if env is None:
        lines.append("Not recorded.")
    else:
        lines.append(
            f"Python {text(env.python)}"
            + (f" on {text(env.platform)}" if env.platform else "")
            + f"; {len(env.packages)} distributions."
        )
        listing = "\n".join(f"{name}=={version}" for name, version in env.packages.items())
        lines += [
            "",
            "<details><summary>Distributions</summary>",
            "",
            *fence(listing),
            "",
            "</details>",
        ]
    if card.warnings:
        lines += ["", "## Warnings", ""] + [f"- {text(w)}" for w in card.warnings]
    return "\n".join(lines) + "\n"


def _metric_row(metric: Metric) -> str:
    interval = metric.interval
    shown = (
        f"{number(interval.low, escape=text)} to {number(interval.high, escape=text)} "
        f"({interval.confidence:.0%})"
        if interval is not None
        else "-"
    )
    return f"| {code(metric.source)} | {number(metric.value, escape=text)} | {shown} |"


def _compact(values: Any) -> str:
    import json

    return json.dumps(values, separators=(",", ":"), sort_keys=True, default=str)


def save_card(card: ModelCard, directory: Path) -> tuple[Path, Path]:
    """Write model-card.json and model-card.md into `directory`, each atomically."""
    json_path = directory / CARD_FILE
    markdown_path = json_path.with_suffix(".md")
    write_text_atomic(json_path, card_json(card))
    write_text_atomic(markdown_path, render_card_markdown(card))
    return json_path, markdown_path
