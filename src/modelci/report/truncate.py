"""The one truncator: cut a Markdown report by its structure until it fits a character limit.

The text is read as sections (a `### ` heading starts one, a `---` line starts the footer with
the commits compared; what comes before the first is the head: title and verdict), each made of
blocks: `<details>` blocks, code fences, tables, paragraphs. Cuts go in this order, each only
as far as needed:

1. collapsed details (`<details>`: plot data, other metrics, failing samples, the log tail),
   in the sections' order of least importance below;
2. whole sections, least important first: CUT_ORDER (unknown sections go first, last one first);
3. rows of the longest tables left, with "N more rows in report.json";
4. as a last resort, the longest block left, line by line (then character by character).

The head and KEEP sections (verdict, gates, the team's tests, slices (failed first), behaviour
checks, what went wrong, params changed, data validation, commits) are never dropped whole: a long
slice table loses rows from its end (the slices that passed and moved least), never its failures.
Every cut keeps blocks whole or closes what it opened, so no `<details>`, fence or table is left
open. A visible note (outside any block) says what was cut: it goes at the end of the head.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Least important first.
CUT_ORDER = ("Pipeline", "Plots", "Other metrics", "Warnings")
KEEP = (
    "",
    "Gates",
    "Tests",
    "Slices",
    "Behaviour checks",
    "What went wrong",
    "Params changed",
    "Params",
    "Data validation",
    "Commits",
)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SUMMARY = re.compile(r"<summary>(.*?)</summary>")


@dataclass
class Block:
    lines: list[str]
    kind: str  # "details" | "fence" | "table" | "text"

    @property
    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines)


@dataclass
class Section:
    name: str  # the heading's text; "" for the head, "Commits" for the footer
    blocks: list[Block] = field(default_factory=list)


def truncate(text: str, limit: int, *, where: str = "report.json") -> tuple[str, bool]:
    """`text` cut to at most `limit` characters, note included; and whether it was cut.

    `where` is where the reader finds what was cut (named in the note).
    """
    if len(text) <= limit:
        return text, False
    sections = parse(text)
    cuts: list[str] = []

    def fits() -> bool:
        return len(_join(sections, _note(cuts, where))) <= limit

    for section in _ranked(sections):  # 1. collapsed details
        for block in reversed(list(section.blocks)):
            if fits():
                break
            if block.kind == "details":
                section.blocks.remove(block)
                cuts.append(f"“{_summary(block)}” (collapsed)")
                if section.name and len(section.blocks) == 1:  # only its heading is left
                    sections.remove(section)
    for section in _ranked(sections):  # 2. whole sections
        if fits():
            break
        if section.name not in KEEP:
            sections.remove(section)
            cuts.append(f"the {section.name or 'untitled'} section")
    while not fits():  # 3. table rows
        tables = [b for s in sections for b in s.blocks if b.kind == "table" and len(b.lines) > 3]
        if not tables:
            break
        table = max(tables, key=lambda b: b.size)
        if "rows of the longest tables" not in cuts:
            cuts.append("rows of the longest tables")
        excess = len(_join(sections, _note(cuts, where))) - limit
        _cut_rows(table, excess)
    if not fits():  # 4. the longest block, line by line
        cuts.append("the end of the longest remaining block")
        block = max((b for s in sections for b in s.blocks), key=lambda b: b.size)
        excess = len(_join(sections, _note(cuts, where))) - limit
        _cut_lines(block, excess)
    result = _join(sections, _note(cuts, where))
    if len(result) > limit:
        raise ValueError(f"a limit of {limit} characters leaves no room for this report")
    return result, True


# --- reading the structure -----------------------------------------------------------------------


def parse(text: str) -> list[Section]:
    sections = [Section("")]
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("### "):
            sections.append(Section(line[4:].strip()))
        elif line.strip() == "---":
            sections.append(Section("Commits"))
        end = _block_end(lines, i)
        sections[-1].blocks.append(Block(lines[i:end], _kind(line)))
        i = end
    return sections


def _kind(line: str) -> str:
    if line.startswith("<details"):
        return "details"
    if _FENCE.match(line):
        return "fence"
    return "table" if line.startswith("|") else "text"


def _block_end(lines: list[str], start: int) -> int:
    """Index just past the block that starts at `start`."""
    kind = _kind(lines[start])
    if kind == "fence":
        return _fence_end(lines, start)
    if kind == "details":
        depth, i = 0, start
        while i < len(lines):
            if _FENCE.match(lines[i]):
                i = _fence_end(lines, i)
                continue
            depth += lines[i].count("<details") - lines[i].count("</details>")
            i += 1
            if depth <= 0:
                return i
        return i
    if kind == "table":
        i = start
        while i < len(lines) and lines[i].startswith("|"):
            i += 1
        return i
    if lines[start].startswith(("### ", "## ", "#### ")) or lines[start].strip() == "---":
        return start + 1
    i = start + 1
    while i < len(lines) and lines[i].strip() and _kind(lines[i]) == "text":
        i += 1
    return i


def _fence_end(lines: list[str], start: int) -> int:
    opener = _FENCE.match(lines[start])
    assert opener is not None
    mark = opener.group(1)
    for i in range(start + 1, len(lines)):
        closer = _FENCE.match(lines[i])
        if (
            closer
            and closer.group(1)[0] == mark[0]
            and len(closer.group(1)) >= len(mark)
            and not lines[i].strip()[len(closer.group(1)) :].strip()
        ):
            return i + 1
    return len(lines)


# --- cutting -------------------------------------------------------------------------------------


def _ranked(sections: list[Section]) -> list[Section]:
    """Sections least important first: unknown ones (last first), CUT_ORDER, then KEEP."""

    def rank(item: tuple[int, Section]) -> tuple[int, int]:
        index, section = item
        if section.name in CUT_ORDER:
            return (1, CUT_ORDER.index(section.name))
        if section.name in KEEP:
            return (2, -index)
        return (0, -index)

    return [section for _, section in sorted(enumerate(sections), key=rank)]


def _summary(block: Block) -> str:
    found = _SUMMARY.search("\n".join(block.lines[:3]))
    return (found.group(1) if found else "a collapsed section").strip() or "a collapsed section"


def _cut_rows(table: Block, excess: int) -> None:
    header, rows = table.lines[:2], table.lines[2:]
    kept = max(1, len(rows))
    dropped_size = 0
    while kept > 1 and dropped_size < excess + 60:
        kept -= 1
        dropped_size += len(rows[kept]) + 1
    if kept == len(rows):  # nothing to save here: take the table down to one row
        kept = 1
    more = len(rows) - kept
    table.lines = [*header, *rows[:kept], "", more_rows(more)]
    table.kind = "text"  # a table and its note: rows are never cut twice from the same count


def _cut_lines(block: Block, excess: int) -> None:
    inner = block.kind in ("fence", "details")
    head, body, tail = (
        (block.lines[:1], block.lines[1:-1], block.lines[-1:]) if inner else ([], block.lines, [])
    )
    text = "\n".join(body)
    keep = max(0, len(text) - excess - 2)
    cut = text[:keep]
    newline = cut.rfind("\n")
    if newline > keep // 2:  # end on a whole line unless that throws away too much
        cut = cut[:newline]
    block.lines = [*head, *([cut + " …"] if cut else []), *tail]


def _note(cuts: list[str], where: str) -> str:
    if not cuts:
        return ""
    shown = cuts[:8] + ([f"{len(cuts) - 8} more"] if len(cuts) > 8 else [])
    return (
        "> [!NOTE]\n> Cut to fit GitHub's 65,536-character limit for a comment: "
        + "; ".join(shown)
        + f". The full results are in {where}."
    )


def _join(sections: list[Section], note: str) -> str:
    parts: list[str] = []
    for section in sections:
        parts += ["\n".join(block.lines) for block in section.blocks]
        if section.name == "" and note:
            parts.append(note)
    return "\n\n".join(parts) + "\n"


def cap_rows(rows: list[str], *, max_rows: int, max_chars: int, noun: str = "row") -> list[str]:
    """Table rows cut to at most `max_rows` and `max_chars`, with a note of how many are left."""
    kept: list[str] = []
    size = 0
    for row in rows[:max_rows]:
        size += len(row) + 1
        if size > max_chars and kept:
            break
        kept.append(row)
    more = len(rows) - len(kept)
    return kept + (["", more_rows(more, noun)] if more else [])


def more_rows(count: int, noun: str = "row") -> str:
    return f"_{count:,} more {noun}{'' if count == 1 else 's'} in report.json._"
