"""A release's notes: the model card in Markdown, the image by digest, and how to run it.

When the card has a Markdown rendering beside it (`model-card.md`, written at registration),
that is the card part of the notes, verbatim. Otherwise the notes render what the card holds:
metrics (with their intervals when the card has them), gate verdicts and lineage (commit, the
`dvc.lock` hashes of the data and model). The image and how-to-run sections come last either
way. Every value from the card goes through the one set of escapers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelci import escape
from modelci.packaging.card import image_by_digest
from modelci.packaging.dockerfile import PORT, READY_PATH

# GitHub refuses a release body longer than this.
MAX_NOTES_CHARS = 125_000


def _number(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return escape.text(x)
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _metric_cell(value: Any) -> tuple[str, str]:
    """(value, interval) cells for a metric given as a number or {value, low, high}."""
    if isinstance(value, Mapping):
        point = value.get("value")
        low = value.get("low")
        high = value.get("high")
        interval = value.get("interval")
        if isinstance(interval, Mapping):
            low, high = interval.get("low"), interval.get("high")
        elif isinstance(interval, list | tuple) and len(interval) == 2:
            low, high = interval
        shown = f"{_number(low)} to {_number(high)}" if low is not None else "—"
        return _number(point), shown
    return _number(value), "—"


def _metric_items(card: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) pairs from the registry's list ({source, value, interval}) or a mapping."""
    metrics = card.get("metrics")
    if isinstance(metrics, Mapping):
        return sorted(metrics.items())
    if isinstance(metrics, list):
        return [
            (str(m.get("source") or m.get("key")), m) for m in metrics if isinstance(m, Mapping)
        ]
    return []


def _metrics(card: Mapping[str, Any]) -> list[str]:
    items = _metric_items(card)
    if not items:
        return []
    confidence = (
        card.get("intervals", {}).get("confidence")
        if isinstance(card.get("intervals"), Mapping)
        else None
    )
    heading = f"{confidence:.0%} interval" if isinstance(confidence, float) else "Interval"
    lines = ["### Metrics", "", f"| Metric | Value | {heading} |", "| --- | ---: | --- |"]
    for name, value in items:
        shown, interval = _metric_cell(value)
        lines.append(f"| {escape.text(name)} | {shown} | {interval} |")
    return [*lines, ""]


def _gates(card: Mapping[str, Any]) -> list[str]:
    gates = card.get("gates")
    if not isinstance(gates, list) or not gates:
        return []
    lines = ["### Gates", ""]
    for gate in gates:
        if isinstance(gate, Mapping):
            verdict = "passed" if gate.get("passed") else "failed"
            lines.append(f"- {escape.text(gate.get('metric', '?'))}: {verdict}")
    return [*lines, ""]


def _lineage(card: Mapping[str, Any]) -> list[str]:
    rows: list[tuple[str, str]] = []
    git = card.get("git")
    if isinstance(git, Mapping) and git.get("commit"):
        rows.append(("commit", escape.code(git["commit"])))
    model = card.get("model")
    if isinstance(model, Mapping) and model.get("path"):
        rows.append((f"model {escape.code(model['path'])}", escape.code(model.get("sha256", ""))))
    data = card.get("data")
    items = list(data.items()) if isinstance(data, Mapping) else []
    for dependency in card.get("dependencies") or []:  # the registry's dvc.lock entries
        if isinstance(dependency, Mapping) and dependency.get("path"):
            items.append((str(dependency["path"]), dependency))
    for path, value in sorted(items):
        digest = value.get("md5") or value.get("hash") if isinstance(value, Mapping) else value
        rows.append((f"data {escape.code(path)}", escape.code(digest)))
    if not rows:
        return []
    lines = ["### Lineage", "", "| What | Hash |", "| --- | --- |"]
    lines += [f"| {what} | {digest} |" for what, digest in rows]
    return [*lines, ""]


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card as Markdown when no rendering of it was written at registration."""
    title = f"## {escape.text(card.get('name', 'model'))} {escape.text(card.get('version', ''))}"
    return "\n".join([title, "", *_metrics(card), *_gates(card), *_lineage(card)])


def image_markdown(reference: str, ref: str) -> str:
    return "\n".join(
        [
            "### Image",
            "",
            f"`{reference}`",
            "",
            f"Pushed as {escape.code(ref)}.",
            "",
            "### Run it",
            "",
            "```bash",
            f"docker run --rm -p {PORT}:{PORT} {reference}",
            f"curl -fsS http://127.0.0.1:{PORT}{READY_PATH}",
            "```",
            "",
            "The model card (`model-card.json`) and the image's CycloneDX SBOM "
            "(`sbom.cdx.json`) are attached to this release.",
            "",
        ]
    )


def render_notes(card: Mapping[str, Any], card_md: str | None = None) -> str:
    """The release body: the card's Markdown, then the image and how to run it."""
    parts = [(card_md or card_markdown(card)).rstrip() + "\n"]
    if reference := image_by_digest(dict(card)):
        parts.append(image_markdown(reference, str(card["image"]["ref"])))
    notes = "\n".join(parts)
    if len(notes) > MAX_NOTES_CHARS:
        from modelci.report.truncate import truncate

        notes, _ = truncate(notes, MAX_NOTES_CHARS, where="model-card.json")
    return notes
