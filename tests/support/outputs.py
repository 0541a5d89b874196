"""Read step outputs back as GitHub does."""

from __future__ import annotations

from pathlib import Path


def read_outputs(path: Path) -> dict[str, str]:
    """Step outputs as GitHub reads $GITHUB_OUTPUT (`name<<DELIM` ... `DELIM`); later wins."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    outputs: dict[str, str] = {}
    i = 0
    while i < len(lines):
        name, _, delimiter = lines[i].partition("<<")
        end = lines.index(delimiter, i + 1)
        outputs[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return outputs
