"""The escapers: one per context where the report shows untrusted text, used everywhere.

Untrusted text is anything a pull request can set: data values, column and metric names, commit
subjects, the pipeline's error text and log, warnings, plot titles.

- `text`: inline Markdown prose, also safe in a table cell. Every character that could start
  markup becomes a numeric character reference, and a zero-width space follows `@`, `#` and
  `GH-`, because GitHub links mentions and issue references in the rendered text (after the
  references are decoded), so `@org/team` would ping a team from the bot's comment.
- `code`: an inline code span, also safe in a table cell: `<code>` with the same references.
  A backtick code span cannot be used: it shows references literally (`a&lt;b`) and a `|` in it
  still splits a table row. GitHub links no mention inside `<code>`, so no zero-width space.
- `fence`: a block of text (a log) in a fence longer than any backtick run inside it.
- `mermaid`: a label in a Mermaid chart (inside double quotes).
"""

from __future__ import annotations

import re
from typing import Any

# Characters that never start markup in GitHub Markdown or HTML; all others are encoded.
_SAFE = frozenset(" .,;:=+-/()%'\"!?")
_ZWSP = "&#8203;"
_REFERENCE = re.compile(r"(&#64;|&#35;|\bGH-)", re.IGNORECASE)


def printable(value: Any) -> str:
    """`value` as text with control and invisible formatting characters shown as escapes."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _encode(value: Any) -> str:
    return "".join(
        char if char.isalnum() or char in _SAFE else f"&#{ord(char)};" for char in printable(value)
    )


def text(value: Any) -> str:
    """Plain text that renders literally in Markdown or a table cell, and pings nobody."""
    one_line = re.sub(r"\s*[\r\n]+\s*", " ", str(value))
    return _REFERENCE.sub(lambda m: m.group(1) + _ZWSP, _encode(one_line))


def code(value: Any) -> str:
    """An inline code span that renders literally, in a table cell or anywhere."""
    return f"<code>{_encode(value)}</code>"


def fence(value: str, info: str = "text") -> list[str]:
    """Lines of a fenced block holding `value`; nothing inside can close it early.

    Control characters (a terminal colour code in a log) are shown as escapes.
    """
    value = "\n".join(printable(line.expandtabs()) for line in value.split("\n"))
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    ticks = "`" * max(3, longest + 1)
    return [f"{ticks}{info}", value, ticks]


def mermaid(value: Any) -> str:
    """A quoted Mermaid label: no quote, newline or markup that could end or break it."""
    label = re.sub(r'["`<>#;\s]+', " ", str(value))
    return printable(label).strip() or "-"


def plural(count: int, noun: str) -> str:
    """`1 gate`, `3 gates`: wording shared by every rendering."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
