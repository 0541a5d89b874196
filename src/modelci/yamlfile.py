"""Safe YAML loading shared by every YAML file modelci reads (params.yaml, Pandera schemas).

One parse gives both the data and a map from each key's path (`modelci.gates[0].metric`) to its
1-based line, so errors can point at the line. Refused, as ConfigError with file and line:
unreadable or non-UTF-8 files, invalid YAML, duplicate keys (PyYAML silently keeps the last;
DVC refuses the file), recursive aliases, and alias bombs (a few lines that expand to billions of
nodes): the walk over the node graph has a budget, so refusal is fast and memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelci.errors import ConfigError

# Far above any real params.yaml or schema (the reference params.yaml has ~60 nodes), far below
# what hurts: a billion-laughs file of ten lines expands to 10^9.
MAX_NODES = 100_000
_MERGE_KEY = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlDocument:
    data: Any  # None for an empty file
    lines: dict[str, int]  # key path -> 1-based line of the key (or of a list item)


def load_yaml_file(path: Path, *, shown: str | None = None) -> YamlDocument:
    """Read, decode and parse `path` once; `shown` is how errors name the file."""
    name = shown or str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"cannot read the file: {error.strerror or error}",
            file=name,
            hint="check that the path names a readable file",
        ) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})",
            file=name,
            line=raw.count(b"\n", 0, error.start) + 1,
            hint="save the file as UTF-8",
        ) from error
    return parse_yaml(text, shown=name)


def parse_yaml(text: str, *, shown: str) -> YamlDocument:
    try:
        loader = yaml.SafeLoader(text)  # the reader refuses control characters up front
    except yaml.reader.ReaderError as error:
        raise ConfigError(
            f"not valid YAML: character {chr(error.character)!r} is not allowed",
            file=shown,
            line=text.count("\n", 0, error.position) + 1,
            hint="remove the control character (YAML allows tabs, newlines and printable text)",
        ) from error
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ConfigError(
                f"not valid YAML: {problem}",
                file=shown,
                line=mark.line + 1 if mark else None,
                hint="fix the YAML syntax at that line (indent with spaces, quote values with `:`)",
            ) from error
        except RecursionError as error:
            raise ConfigError(
                "the YAML is nested too deeply to read",
                file=shown,
                hint="flatten the structure: no modelci file needs more than a few levels",
            ) from error
        if node is None:
            return YamlDocument(None, {})
        lines = _Walker(shown).walk(node)
        try:
            data = loader.construct_document(node)
        except RecursionError as error:
            raise ConfigError("the YAML is nested too deeply to read", file=shown) from error
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise ConfigError(
                f"not valid YAML: {getattr(error, 'problem', None) or error}",
                file=shown,
                line=mark.line + 1 if mark else None,
            ) from error
        return YamlDocument(data, lines)
    finally:
        loader.dispose()


class _Walker:
    """Visits the node graph once per path, within MAX_NODES, recording key lines."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.visited = 0
        self.lines: dict[str, int] = {}

    def walk(self, root: yaml.Node) -> dict[str, int]:
        # An explicit stack: deeply nested files must not hit Python's recursion limit.
        stack: list[tuple[yaml.Node, str, frozenset[int]]] = [(root, "", frozenset())]
        while stack:
            node, path, ancestors = stack.pop()
            self.visited += 1
            if self.visited > MAX_NODES:
                raise ConfigError(
                    f"the YAML expands to more than {MAX_NODES:,} nodes through anchors and "
                    "aliases (&name / *name): refused as an alias bomb",
                    file=self.shown,
                    line=node.start_mark.line + 1,
                    hint="write the values out, or use fewer nested aliases",
                )
            if id(node) in ancestors:
                raise ConfigError(
                    "a YAML alias refers to the node that contains it (a recursive alias)",
                    file=self.shown,
                    line=node.start_mark.line + 1,
                    hint="remove the alias (*name) that points back at its own anchor",
                )
            inside = ancestors | {id(node)}
            if isinstance(node, yaml.MappingNode):
                stack.extend(reversed(self._mapping(node, path, inside)))
            elif isinstance(node, yaml.SequenceNode):
                for index, item in enumerate(node.value):
                    item_path = f"{path}[{index}]"
                    self.lines.setdefault(item_path, item.start_mark.line + 1)
                    stack.append((item, item_path, inside))
        return self.lines

    def _mapping(
        self, node: yaml.MappingNode, path: str, inside: frozenset[int]
    ) -> list[tuple[yaml.Node, str, frozenset[int]]]:
        seen: dict[str, int] = {}
        children = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_KEY:  # `<<: *defaults`: merged keys may be overridden
                children.append((value_node, path, inside))
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and key in seen:
                full = f"{path}.{key}" if path else key
                raise ConfigError(
                    f"duplicate key `{key}` (first at line {seen[key]}): YAML keeps only the last",
                    file=self.shown,
                    key=full,
                    line=line,
                    hint="merge the two entries into one",
                )
            seen[key] = line
            child = f"{path}.{key}" if path else key
            self.lines.setdefault(child, line)
            children.append((value_node, child, inside))
        return children
