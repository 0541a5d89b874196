"""The `modelci:` section of params.yaml: data schemas, gates and report settings.

It lives in params.yaml because the design card fixes the top-level files. It is validated on
load: a wrong key or type raises ConfigError naming the file, the key, its line and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from modelci.errors import ConfigError

SECTION = "modelci"
Direction = Literal["higher", "lower"]
PlotKind = Literal["line", "confusion"]


@dataclass(frozen=True)
class Tolerance:
    """How much a metric may worsen against the base: absolute units, or percent of the base."""

    amount: float
    relative: bool = False

    def allowed(self, base: float) -> float:
        return abs(base) * self.amount / 100 if self.relative else self.amount

    def __str__(self) -> str:
        return f"{self.amount:g}%" if self.relative else f"{self.amount:g}"


@dataclass(frozen=True)
class DatasetConfig:
    name: str
    path: str
    schema: str


@dataclass(frozen=True)
class GateConfig:
    metric: str
    threshold: float | None = None
    direction: Direction = "higher"
    max_regression: Tolerance | None = None
    line: int | None = None  # line in params.yaml, for annotations


@dataclass(frozen=True)
class PlotConfig:
    path: str
    title: str
    kind: PlotKind = "line"
    x: str | None = None
    y: str | None = None


@dataclass(frozen=True)
class ReportConfig:
    title: str = "Model report"
    max_samples: int = 5
    plots: tuple[PlotConfig, ...] = ()


@dataclass(frozen=True)
class Config:
    source: Path
    data: tuple[DatasetConfig, ...] = ()
    gates: tuple[GateConfig, ...] = ()
    report: ReportConfig = field(default_factory=ReportConfig)
    raw: Mapping[str, Any] = field(default_factory=dict)  # the section as written, for diffs


def load_config(params_file: Path) -> Config:
    """Read and validate the `modelci:` section of `params_file`."""
    name = _display_path(params_file)
    if not params_file.is_file():
        raise ConfigError(
            "file not found",
            file=name,
            hint="run modelci from the repository root, or pass --params-file PATH",
        )
    text = params_file.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text) or {}
        lines = _key_lines(yaml.compose(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ConfigError(
            f"not valid YAML: {getattr(error, 'problem', error)}",
            file=name,
            line=mark.line + 1 if mark else None,
        ) from error
    if not isinstance(document, dict):
        raise ConfigError("the file must hold a mapping at the top level", file=name)
    section = document.get(SECTION)
    if section is None:
        raise ConfigError(
            f"no `{SECTION}:` section",
            file=name,
            hint="add a `modelci:` section with `data:` and `gates:` (see README, Configuration)",
        )
    return _Parser(name, lines).config(params_file, section)


# ---------------------------------------------------------------------------------------------
# Validation


_ALLOWED = {
    "": {"data", "gates", "report"},
    "data[]": {"name", "path", "schema"},
    "gates[]": {"metric", "threshold", "direction", "max_regression"},
    "report": {"title", "max_samples", "plots"},
    "report.plots[]": {"path", "title", "kind", "x", "y"},
}
_TOLERANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class _Parser:
    def __init__(self, file: str, lines: dict[str, int]) -> None:
        self.file = file
        self.lines = lines

    def error(self, key: str, message: str, hint: str | None = None) -> ConfigError:
        full_key = f"{SECTION}.{key}" if key else SECTION
        return ConfigError(
            message, file=self.file, key=full_key, line=self.lines.get(full_key), hint=hint
        )

    def mapping(self, value: Any, key: str, schema: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a mapping, got {_type_name(value)}")
        allowed = _ALLOWED[schema]
        for unknown in sorted(set(value) - allowed, key=str):
            raise self.error(
                f"{key}.{unknown}" if key else str(unknown),
                "unknown key",
                hint=f"allowed keys here: {', '.join(sorted(allowed))}",
            )
        return value

    def sequence(self, value: Any, key: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {_type_name(value)}")
        return value

    def string(self, item: Mapping[str, Any], name: str, key: str, *, required: bool) -> str | None:
        value = item.get(name)
        if value is None:
            if required:
                raise self.error(key, f"missing required key `{name}`")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(
                f"{key}.{name}", f"expected a non-empty string, got {_type_name(value)}"
            )
        return value

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.error(key, f"expected a number, got {_type_name(value)}")
        return float(value)

    def config(self, source: Path, section: Any) -> Config:
        root = self.mapping(section, "", "")
        return Config(
            source=source,
            data=tuple(
                self.dataset(d, i) for i, d in enumerate(self.sequence(root.get("data"), "data"))
            ),
            gates=self.gates(self.sequence(root.get("gates"), "gates")),
            report=self.report(root.get("report")),
            raw=root,
        )

    def dataset(self, value: Any, index: int) -> DatasetConfig:
        key = f"data[{index}]"
        item = self.mapping(value, key, "data[]")
        path = self.string(item, "path", key, required=True)
        schema = self.string(item, "schema", key, required=True)
        assert path is not None and schema is not None
        name = self.string(item, "name", key, required=False) or Path(path).stem
        return DatasetConfig(name=name, path=path, schema=schema)

    def gates(self, values: list[Any]) -> tuple[GateConfig, ...]:
        gates = tuple(self.gate(value, index) for index, value in enumerate(values))
        seen: set[str] = set()
        for index, gate in enumerate(gates):
            if gate.metric in seen:
                raise self.error(
                    f"gates[{index}].metric",
                    f"metric `{gate.metric}` has two gates",
                    hint="merge them: one gate can hold a threshold and a max_regression",
                )
            seen.add(gate.metric)
        return gates

    def gate(self, value: Any, index: int) -> GateConfig:
        key = f"gates[{index}]"
        item = self.mapping(value, key, "gates[]")
        metric = self.string(item, "metric", key, required=True)
        assert metric is not None
        direction = item.get("direction", "higher")
        if direction not in ("higher", "lower"):
            raise self.error(
                f"{key}.direction",
                f"expected `higher` or `lower`, got {direction!r}",
                hint="`higher` when bigger is better (f1, auc), `lower` for losses and latency",
            )
        threshold = item.get("threshold")
        if threshold is not None:
            threshold = self.number(threshold, f"{key}.threshold")
        tolerance = self.tolerance(item.get("max_regression"), f"{key}.max_regression")
        if threshold is None and tolerance is None:
            raise self.error(
                key,
                f"gate on `{metric}` has neither `threshold` nor `max_regression`",
                hint='add `threshold: 0.9` (absolute bar) and/or `max_regression: 0.01` or `"2%"`',
            )
        return GateConfig(
            metric=metric,
            threshold=threshold,
            direction=direction,
            max_regression=tolerance,
            line=self.lines.get(f"{SECTION}.{key}"),
        )

    def tolerance(self, value: Any, key: str) -> Tolerance | None:
        if value is None:
            return None
        if isinstance(value, str):
            match = _TOLERANCE.match(value)
            if not match:
                raise self.error(key, f'expected a number or a percentage like "2%", got {value!r}')
            return Tolerance(float(match.group(1)), relative=True)
        amount = self.number(value, key)
        if amount < 0:
            raise self.error(key, f"must not be negative, got {amount:g}")
        return Tolerance(amount)

    def report(self, value: Any) -> ReportConfig:
        if value is None:
            return ReportConfig()
        item = self.mapping(value, "report", "report")
        title = self.string(item, "title", "report", required=False) or ReportConfig.title
        max_samples = item.get("max_samples", ReportConfig.max_samples)
        if isinstance(max_samples, bool) or not isinstance(max_samples, int) or max_samples < 0:
            raise self.error(
                "report.max_samples", f"expected a whole number >= 0, got {max_samples!r}"
            )
        plots = self.sequence(item.get("plots"), "report.plots")
        return ReportConfig(
            title=title,
            max_samples=max_samples,
            plots=tuple(self.plot(p, i) for i, p in enumerate(plots)),
        )

    def plot(self, value: Any, index: int) -> PlotConfig:
        key = f"report.plots[{index}]"
        item = self.mapping(value, key, "report.plots[]")
        path = self.string(item, "path", key, required=True)
        assert path is not None
        kind = item.get("kind", "line")
        if kind not in ("line", "confusion"):
            raise self.error(f"{key}.kind", f"expected `line` or `confusion`, got {kind!r}")
        x = self.string(item, "x", key, required=kind == "line")
        y = self.string(item, "y", key, required=kind == "line")
        title = self.string(item, "title", key, required=False) or path
        return PlotConfig(path=path, title=title, kind=kind, x=x, y=y)


def _display_path(path: Path) -> str:
    """Relative to the working directory when inside it: shorter errors, same meaning."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _key_lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Map dotted keys (`modelci.gates[0].metric`) to 1-based line numbers, for error messages."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"{prefix}[{index}]"
            lines[key] = item.start_mark.line + 1
            lines.update(_key_lines(item, key))
    return lines
