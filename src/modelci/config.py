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
Regression = Literal["point", "significant"]


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
    # "significant": a drop beyond max_regression fails only when its bootstrap interval
    # excludes 0 (see modelci.stats); "point": the point values alone decide.
    regression: Regression = "point"
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
class PredictionsConfig:
    """The evaluate stage's per-row predictions, from which metric intervals are recomputed."""

    path: str
    id: str = "row_id"
    label: str = "label"  # 0/1
    score: str = "score"  # probability of class 1
    threshold: float = 0.5  # decision threshold for f1, precision, recall, accuracy


@dataclass(frozen=True)
class IntervalsConfig:
    confidence: float = 0.95
    resamples: int = 2000
    seed: int = 0


@dataclass(frozen=True)
class Config:
    source: Path
    data: tuple[DatasetConfig, ...] = ()
    gates: tuple[GateConfig, ...] = ()
    report: ReportConfig = field(default_factory=ReportConfig)
    predictions: PredictionsConfig | None = None
    intervals: IntervalsConfig = field(default_factory=IntervalsConfig)
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
    "": {"data", "gates", "report", "predictions", "intervals"},
    "data[]": {"name", "path", "schema"},
    "gates[]": {"metric", "threshold", "direction", "max_regression", "regression"},
    "predictions": {"path", "id", "label", "score", "threshold"},
    "intervals": {"confidence", "resamples", "seed"},
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
        predictions = self.predictions(root.get("predictions"))
        gates = self.gates(self.sequence(root.get("gates"), "gates"))
        for index, gate in enumerate(gates):
            if gate.regression == "significant" and predictions is None:
                raise self.error(
                    f"gates[{index}].regression",
                    "`regression: significant` needs per-row predictions to compute intervals",
                    hint="add `modelci.predictions` with the path of the evaluate stage's "
                    "predictions file (see README, Intervals and noise-aware gates)",
                )
        return Config(
            source=source,
            data=tuple(
                self.dataset(d, i) for i, d in enumerate(self.sequence(root.get("data"), "data"))
            ),
            gates=gates,
            report=self.report(root.get("report")),
            predictions=predictions,
            intervals=self.intervals(root.get("intervals")),
            raw=root,
        )

    def predictions(self, value: Any) -> PredictionsConfig | None:
        if value is None:
            return None
        item = self.mapping(value, "predictions", "predictions")
        path = self.string(item, "path", "predictions", required=True)
        assert path is not None
        columns = {
            name: self.string(item, name, "predictions", required=False) or default
            for name, default in (("id", "row_id"), ("label", "label"), ("score", "score"))
        }
        threshold = self.number(item.get("threshold", 0.5), "predictions.threshold")
        if not 0 <= threshold <= 1:
            raise self.error(
                "predictions.threshold", f"expected a probability in [0, 1], got {threshold:g}"
            )
        return PredictionsConfig(path=path, threshold=threshold, **columns)

    def intervals(self, value: Any) -> IntervalsConfig:
        if value is None:
            return IntervalsConfig()
        item = self.mapping(value, "intervals", "intervals")
        confidence = self.number(item.get("confidence", 0.95), "intervals.confidence")
        if not 0 < confidence < 1:
            raise self.error(
                "intervals.confidence",
                f"expected a level between 0 and 1 (0.95 for 95%), got {confidence:g}",
            )
        whole = {}
        for name, default, low in (("resamples", 2000, 100), ("seed", 0, 0)):
            number = item.get(name, default)
            if isinstance(number, bool) or not isinstance(number, int) or number < low:
                raise self.error(
                    f"intervals.{name}", f"expected a whole number >= {low}, got {number!r}"
                )
            whole[name] = number
        return IntervalsConfig(confidence=confidence, **whole)

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
        regression = item.get("regression", "point")
        if regression not in ("point", "significant"):
            raise self.error(
                f"{key}.regression",
                f"expected `point` or `significant`, got {regression!r}",
                hint="`significant` fails a drop beyond max_regression only when its interval "
                "excludes 0; `point` compares the values alone",
            )
        return GateConfig(
            metric=metric,
            threshold=threshold,
            direction=direction,
            max_regression=tolerance,
            regression=regression,
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
