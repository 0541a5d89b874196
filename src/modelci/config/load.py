"""Load params.yaml's `modelci:` section into the models, with every problem reported at once.

Each problem names the file, the line, the key path and what is allowed there.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from modelci.config.gates import GateConfig
from modelci.config.models import (
    DatasetConfig,
    IntervalsConfig,
    ModelciSection,
    PredictionsConfig,
    ReportConfig,
)
from modelci.config.slices import SlicesConfig
from modelci.errors import ConfigError, ConfigProblem
from modelci.yamlfile import load_yaml_file

SECTION = "modelci"


@dataclass(frozen=True)
class Config:
    """The validated section, where it came from, and the section as written (for diffs)."""

    source: Path
    section: ModelciSection = field(default_factory=ModelciSection)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> tuple[DatasetConfig, ...]:
        return self.section.data

    @property
    def gates(self) -> tuple[GateConfig, ...]:
        return self.section.gates

    @property
    def report(self) -> ReportConfig:
        return self.section.report

    @property
    def predictions(self) -> PredictionsConfig | None:
        return self.section.predictions

    @property
    def intervals(self) -> IntervalsConfig:
        return self.section.intervals

    @property
    def slices(self) -> SlicesConfig | None:
        return self.section.slices


def load_config(params_file: Path, *, require_section: bool = True) -> Config:
    """Read and validate the `modelci:` section of `params_file` (defaults when it has none and
    `require_section` is false)."""
    name = _display_path(params_file)
    if not params_file.exists():
        raise ConfigError(
            "file not found",
            file=name,
            hint="run modelci from the repository root, or pass --params-file PATH",
        )
    document = load_yaml_file(params_file, shown=name)
    if document.data is None or not isinstance(document.data, dict):
        if document.data is None:
            raise ConfigError(
                f"the file is empty: no `{SECTION}:` section",
                file=name,
                hint="add a `modelci:` section with `data:` and `gates:` (see README)",
            )
        raise ConfigError("the file must hold a mapping at the top level", file=name, line=1)
    if SECTION not in document.data and not require_section:
        return Config(source=params_file)
    if SECTION not in document.data:
        raise ConfigError(
            f"no `{SECTION}:` section",
            file=name,
            hint="add a `modelci:` section with `data:` and `gates:` (see README, Configuration)",
        )
    section = document.data[SECTION]
    lines = document.lines
    if section is None:
        section = {}
    problems = _duplicate_gates(section, name, lines)
    try:
        model = ModelciSection.model_validate(section, context={"from_file": True})
    except ValidationError as error:
        problems = [_problem(item, name, lines) for item in error.errors()] + problems
        model = None
    if model is not None:
        problems += _significance_needs_predictions(model, name, lines)
    if problems or model is None:
        raise ConfigError.of(problems)
    gates = tuple(
        gate.model_copy(update={"line": lines.get(f"{SECTION}.gates[{index}]")})
        for index, gate in enumerate(model.gates)
    )
    model = model.model_copy(update={"gates": gates, "slices": _with_lines(model.slices, lines)})
    return Config(source=params_file, section=model, raw=dict(section))


def _with_lines(slices: SlicesConfig | None, lines: dict[str, int]) -> SlicesConfig | None:
    """Slice gates know their line in the file, as the headline gates do (for annotations)."""
    if slices is None:
        return None
    gates = tuple(
        gate.model_copy(update={"line": lines.get(f"{SECTION}.slices.gates[{index}]")})
        for index, gate in enumerate(slices.gates)
    )
    return slices.model_copy(update={"gates": gates})


def _significance_needs_predictions(
    model: ModelciSection, file: str, lines: dict[str, int]
) -> list[ConfigProblem]:
    """Significant gates and slices both need per-row predictions."""
    if model.predictions is not None:
        return []
    needs = [
        (f"{SECTION}.gates[{index}].regression", "`regression: significant`", "intervals")
        for index, gate in enumerate(model.gates)
        if gate.regression == "significant"
    ]
    if model.slices is not None:
        needs.append((f"{SECTION}.slices", "`slices`", "metrics per slice"))
    return [
        ConfigProblem(
            f"{what} needs per-row predictions to compute {purpose}",
            file=file,
            key=key,
            line=lines.get(key),
            hint="add `modelci.predictions` with the path of the evaluate stage's predictions "
            "file (see README, Intervals and noise-aware gates)",
        )
        for key, what, purpose in needs
    ]


def _duplicate_gates(section: Any, file: str, lines: dict[str, int]) -> list[ConfigProblem]:
    gates = section.get("gates") if isinstance(section, dict) else None
    if not isinstance(gates, list):
        return []
    problems, seen = [], set()
    for index, gate in enumerate(gates):
        metric = gate.get("metric") if isinstance(gate, dict) else None
        if not isinstance(metric, str):
            continue
        if metric in seen:
            key = f"{SECTION}.gates[{index}].metric"
            problems.append(
                ConfigProblem(
                    f"metric `{metric}` has two gates",
                    file=file,
                    key=key,
                    line=lines.get(key),
                    hint="merge them: one gate can hold a threshold and a max_regression",
                )
            )
        seen.add(metric)
    return problems


def _problem(item: Any, file: str, lines: dict[str, int]) -> ConfigProblem:
    """A pydantic error as a problem in the user's words, with its line."""
    loc = tuple(part for part in item["loc"] if not _is_branch_tag(part))
    kind, value, context = item["type"], item.get("input"), item.get("ctx") or {}
    hint = None
    if kind == "missing":
        key_loc, message = loc[:-1], f"missing required key `{loc[-1]}`"
    elif kind == "extra_forbidden":
        key_loc, message = loc, "unknown key"
        allowed = _allowed_keys(loc[:-1])
        hint = f"allowed keys here: {', '.join(allowed)}" if allowed else None
    else:
        key_loc, message = loc, _message(kind, value, context, item["msg"])
    key = _key_path(key_loc)
    return ConfigProblem(message, file=file, key=key, line=_line(key, lines), hint=hint)


def _message(kind: str, value: Any, context: Mapping[str, Any], fallback: str) -> str:
    got = _type_name(value)
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}:
        wanted = "a whole number" if kind.startswith("int") else "a number"
        return f"expected {wanted}, got {got}"
    if kind == "finite_number":
        return f"expected a finite number, got {value!r}"
    if kind == "literal_error":
        return f"expected {str(context.get('expected', '')).replace(chr(39), '`')}, got {value!r}"
    if kind in {"string_type", "string_too_short", "string_pattern_mismatch"}:
        return f"expected a non-empty string, got {got}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"expected a mapping, got {got}"
    if kind in {"tuple_type", "list_type"}:
        return f"expected a list, got {got}"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}.get(kind, "<=")
        limit = next(iter(context.values()), "")
        return f"must be {bound} {limit}, got {value!r}"
    if kind == "value_error":
        return fallback.removeprefix("Value error, ")
    return fallback


def _is_branch_tag(part: Any) -> bool:
    # pydantic names union branches in `loc` (`function-plain[_tolerance()]`, `float`)
    return isinstance(part, str) and ("[" in part or part in {"float", "int", "str", "none"})


def _key_path(loc: tuple[Any, ...]) -> str:
    path = SECTION
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _line(key: str, lines: dict[str, int]) -> int | None:
    """The key's own line, else the nearest enclosing key's (a missing key has no line)."""
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    return None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at `loc` accepts (its field names, or aliases where set)."""
    model: Any = ModelciSection
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if info is None:
            return []
        model = _model_in(info.annotation)
        if model is None:
            return []
    return sorted(
        info.alias or name for name, info in model.model_fields.items() if not info.exclude
    )


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (tuple, list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


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
