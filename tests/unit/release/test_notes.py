"""Release notes from a card in the registry's shape: metrics list, dvc.lock dependencies, image."""

from __future__ import annotations

from modelci.release.notes import render_notes

DIGEST = "sha256:" + "7a" * 32
CARD = {
    "name": "fraud",
    "version": "v1.3.0",
    "git": {"commit": "e" * 40, "tag": "fraud@v1.3.0"},
    "model": {"path": "models/model.skops", "sha256": "f" * 64},
    "metrics": [
        {
            "source": "eval/metrics.json:f1",
            "file": "eval/metrics.json",
            "key": "f1",
            "value": 0.9495,
            "interval": {"low": 0.9312, "high": 0.9617, "confidence": 0.95},
        },
        {"source": "eval/metrics.json:rows", "file": "x", "key": "rows", "value": 20000},
    ],
    "dependencies": [{"path": "data/train.parquet", "md5": "abc123"}],
    "image": {"ref": "ghcr.io/o/fraud:v1.3.0", "digest": DIGEST, "recorded_at": "2026-01-01"},
}


def test_notes_show_intervals_lineage_and_the_image_by_digest() -> None:
    notes = render_notes(CARD)
    assert "| eval/metrics.json:f1 | 0.9495 | 0.9312 to 0.9617 |" in notes
    assert "| eval/metrics.json:rows | 20000 | — |" in notes
    assert "| data <code>data/train.parquet</code> | <code>abc123</code> |" in notes
    assert f"`ghcr.io/o/fraud@{DIGEST}`" in notes
    assert "Pushed as <code>ghcr.io/o/fraud:v1.3.0</code>." in notes
    assert f"docker run --rm -p 8080:8080 ghcr.io/o/fraud@{DIGEST}" in notes


def test_the_registrations_markdown_is_used_verbatim_when_there_is_one() -> None:
    notes = render_notes(CARD, "# fraud v1.3.0\n\nThe card as registered.\n")
    assert notes.startswith("# fraud v1.3.0\n\nThe card as registered.\n\n### Image\n")


def test_before_a_push_the_notes_have_no_image_section() -> None:
    notes = render_notes({k: v for k, v in CARD.items() if k != "image"})
    assert "### Image" not in notes and "docker run" not in notes
