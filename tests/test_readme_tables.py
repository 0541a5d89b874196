"""The README's action inputs/outputs tables must say what action.yml says.

The tables live between `<!-- action-inputs:start -->`/`<!-- action-inputs:end -->` and
`<!-- action-outputs:start -->`/`<!-- action-outputs:end -->`; register/action.yml's between
`<!-- register-inputs:start -->` ... `<!-- register-outputs:end -->`. After changing either,
rewrite them with:

    python tests/test_readme_tables.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ACTION = ROOT / "action.yml"
# Each action.yml whose tables the README holds -> the prefix of its markers.
TABLES = {ACTION: "action", ROOT / "register" / "action.yml": "register"}
REGION = "<!-- {prefix}-{kind}:start -->\n(?P<body>.*?)<!-- {prefix}-{kind}:end -->"


def _action(path: Path = ACTION) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    return _clean(text).replace("|", "\\|")


def render_inputs(action: dict[str, Any]) -> str:
    rows = ["| Input | Description | Default |", "| --- | --- | --- |"]
    for name, spec in action["inputs"].items():
        default = str(spec.get("default", ""))
        shown = f"`{default}`" if default else '`""`'
        rows.append(f"| `{name}` | {_cell(spec['description'])} | {_cell(shown)} |")
    return "\n".join(rows) + "\n"


def render_outputs(action: dict[str, Any]) -> str:
    rows = ["| Output | Description |", "| --- | --- |"]
    for name, spec in action["outputs"].items():
        rows.append(f"| `{name}` | {_cell(spec['description'])} |")
    return "\n".join(rows) + "\n"


def _region(text: str, kind: str, prefix: str = "action") -> re.Match[str]:
    match = re.search(REGION.format(prefix=prefix, kind=kind), text, re.S)
    assert match, f"README.md lacks the {prefix}-{kind} markers"
    return match


def parse_table(markdown: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the one markdown table in `markdown`; cells unescaped."""
    lines = [line.strip() for line in markdown.strip().splitlines() if line.strip()]
    assert lines, "the table is empty"

    def cells(line: str) -> list[str]:
        assert line.startswith("|") and line.endswith("|"), f"not a table row: {line}"
        parts = re.split(r"(?<!\\)\|", line[1:-1])
        return [part.strip().replace("\\|", "|") for part in parts]

    header, rule, *rows = lines
    assert all(re.fullmatch(r":?-{3,}:?", c) for c in cells(rule)), f"bad separator: {rule}"
    return cells(header), [cells(row) for row in rows]


def _code(cell: str) -> str:
    match = re.fullmatch(r"`(.*)`", cell)
    assert match, f"expected `code` in {cell!r}"
    return match[1]


_EACH_ACTION = pytest.mark.parametrize("path", list(TABLES), ids=lambda p: str(p.relative_to(ROOT)))


@_EACH_ACTION
def test_inputs_table_matches_action_yml(path: Path) -> None:
    inputs = _action(path)["inputs"]
    readme = README.read_text(encoding="utf-8")
    header, rows = parse_table(_region(readme, "inputs", TABLES[path])["body"])
    assert header == ["Input", "Description", "Default"]
    assert [_code(row[0]) for row in rows] == list(inputs)
    for name, description, default in rows:
        spec = inputs[_code(name)]
        assert description == _clean(spec["description"]), name
        shown = _code(default)
        assert (shown if shown != '""' else "") == str(spec.get("default", "")), name


@_EACH_ACTION
def test_outputs_table_matches_action_yml(path: Path) -> None:
    outputs = _action(path)["outputs"]
    readme = README.read_text(encoding="utf-8")
    header, rows = parse_table(_region(readme, "outputs", TABLES[path])["body"])
    assert header == ["Output", "Description"]
    assert [_code(row[0]) for row in rows] == list(outputs)
    for name, description in rows:
        assert description == _clean(outputs[_code(name)]["description"]), name


@_EACH_ACTION
def test_every_input_and_output_is_documented_in_action_yml(path: Path) -> None:
    action = _action(path)
    for kind in ("inputs", "outputs"):
        for name, spec in action[kind].items():
            assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), f"{kind} {name}: use kebab-case"
            assert _clean(spec.get("description", "")), f"{kind} {name} has no description"
            if kind == "inputs":
                assert "default" in spec, f"input {name} has no default"


def test_parse_table_reads_escaped_pipes() -> None:
    header, rows = parse_table("| A | B |\n| --- | ---: |\n| `x` | one \\| two |\n")
    assert (header, rows) == (["A", "B"], [["`x`", "one | two"]])


def write() -> None:
    text = README.read_text(encoding="utf-8")
    for path, prefix in TABLES.items():
        action = _action(path)
        for kind, table in (("inputs", render_inputs(action)), ("outputs", render_outputs(action))):
            match = _region(text, kind, prefix)
            text = text[: match.start("body")] + table + text[match.end("body") :]
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(f"usage: python {Path(__file__).name} --write")
    write()
