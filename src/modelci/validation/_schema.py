"""Load a Pandera schema from a spec: a YAML file or a Python object `package.module:attr`."""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.errors import ConfigError

if TYPE_CHECKING:
    from pandera.api.pandas.container import DataFrameSchema

    from modelci.yamlfile import YamlDocument

YAML_SUFFIXES = (".yaml", ".yml")
_OBJECT_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")

_SPEC_FORMS = (
    "a schema is a Pandera YAML file (`path/to/schema.yaml`, written by "
    "`DataFrameSchema.to_yaml()`) or a Python object `package.module:attr` that is a "
    "DataFrameSchema or a DataFrameModel class"
)
_SPEC_HINT = _SPEC_FORMS[0].upper() + _SPEC_FORMS[1:] + "."

# Top-level keys of Pandera's YAML serialisation of a DataFrameSchema (pandera.io.pandas_io).
_SCHEMA_KEYS = frozenset(
    {
        "schema_type", "version", "api", "dataframe_library", "columns", "checks", "index",
        "multiindex", "dtype", "coerce", "strict", "name", "ordered", "unique",
        "report_duplicates", "unique_column_names", "add_missing_columns", "title",
        "description", "metadata", "drop_invalid_rows",
    }
)  # fmt: skip
# Options of a column or index entry; any other key must name a registered check.
_COMPONENT_KEYS = frozenset(
    {
        "dtype", "checks", "name", "nullable", "unique", "coerce", "required", "regex",
        "default", "report_duplicates", "drop_invalid_rows", "title", "description",
        "metadata",
    }
)  # fmt: skip


# --- which spec a schema object was loaded from (so results can name it) -------------------------

_SPECS: dict[int, tuple[weakref.ref[Any], str]] = {}


def _remember_spec(schema: Any, spec: str) -> None:
    key = id(schema)

    def forget(_ref: weakref.ref[Any]) -> None:
        _SPECS.pop(key, None)

    try:
        ref = weakref.ref(schema, forget)
    except TypeError:  # pragma: no cover - pandera schemas support weak references
        return
    _SPECS[key] = (ref, spec)


def spec_of(schema: Any) -> str | None:
    """The spec `load_schema` loaded `schema` from, if it did."""
    entry = _SPECS.get(id(schema))
    if entry is not None and entry[0]() is schema:
        return entry[1]
    return None


# --- load_schema ---------------------------------------------------------------------------------


def load_schema(
    spec: str, *, base_dir: Path | None = None, arrow_storage: bool = True
) -> DataFrameSchema:
    """Load the Pandera DataFrameSchema that `spec` names.

    `spec` is either a path to a Pandera YAML file (`.yaml`/`.yml`; relative paths are resolved
    against `base_dir`, default the working directory), or a Python object `package.module:attr`
    (a DataFrameSchema instance or a DataFrameModel subclass). Modules are imported with `base_dir`
    temporarily first on `sys.path`, so a module file of the project can be named.

    With `arrow_storage=False` a YAML schema's Arrow-backed dtypes (`string[pyarrow]`) are read
    with pandas' own storage (`string`): the server checks values, not storage, and its image has
    no pyarrow.

    Raises ConfigError (exit 3) naming the spec when it cannot be loaded.
    """
    spec = spec.strip()
    if not spec:
        raise ConfigError("the schema spec is empty", hint=_SPEC_HINT)
    if spec.lower().endswith(YAML_SUFFIXES):
        schema = _load_yaml(spec, base_dir, arrow_storage)
    elif _OBJECT_SPEC.match(spec):
        schema = _load_object(spec, base_dir)
    else:
        raise ConfigError(
            f"schema spec `{spec}` is neither a YAML file (.yaml/.yml) nor a Python object "
            "`package.module:attr`",
            hint=_SPEC_HINT,
        )
    _remember_spec(schema, spec)
    return schema


# --- YAML files ----------------------------------------------------------------------------------


def _load_yaml(spec: str, base_dir: Path | None, arrow_storage: bool) -> DataFrameSchema:
    from modelci.yamlfile import load_yaml_file

    path = Path(spec)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    shown = spec if str(path) == spec else f"{spec} ({path})"
    if not path.is_file():
        where = f"relative paths are resolved against {base_dir}; " if base_dir else ""
        raise ConfigError(
            f"schema file not found: {shown}",
            hint=f"Check the schema path ({where}{_SPEC_FORMS}).",
        )
    return _from_document(load_yaml_file(path, shown=spec), spec, arrow_storage)


def load_schema_text(text: str, *, shown: str, arrow_storage: bool = True) -> DataFrameSchema:
    """A Pandera schema from its YAML text (a registered model card carries it inline);
    `shown` is how errors name it. Checked as a YAML file's schema is (see `load_schema`)."""
    from modelci.yamlfile import parse_yaml

    return _from_document(parse_yaml(text, shown=shown), shown, arrow_storage)


def _from_document(document: YamlDocument, spec: str, arrow_storage: bool) -> DataFrameSchema:
    data, lines = document.data, document.lines
    if data is None:
        raise ConfigError(
            "the schema file is empty",
            file=spec,
            hint="Write the schema with Pandera: `schema.to_yaml('" + spec + "')`.",
        )
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"not a Pandera schema: the top level is a {_yaml_type(data)}, expected a mapping "
            "with `columns:`",
            file=spec,
            line=1,
            hint=_SPEC_HINT,
        )
    _check_structure(data, spec, lines)
    return _deserialize(data, spec, lines, arrow_storage=arrow_storage)


def _check_structure(data: Mapping[Any, Any], spec: str, lines: dict[str, int]) -> None:
    """Reject what Pandera would silently ignore or fail on obscurely, naming the key."""
    unknown = [str(key) for key in data if key not in _SCHEMA_KEYS]
    if unknown:
        key = unknown[0]
        raise ConfigError(
            f"unknown key `{key}`: this does not look like a Pandera DataFrameSchema",
            file=spec,
            key=key,
            line=lines.get(key),
            hint="Allowed top-level keys: " + ", ".join(sorted(_SCHEMA_KEYS)) + ".",
        )
    schema_type = data.get("schema_type", "dataframe")
    if schema_type != "dataframe":
        raise ConfigError(
            f"schema_type is `{schema_type}`; only `dataframe` schemas can validate a data file",
            file=spec,
            key="schema_type",
            line=lines.get("schema_type"),
            hint="Serialise a pandera DataFrameSchema (`DataFrameSchema.to_yaml()`).",
        )
    from pandera.api.checks import Check

    _check_names(data.get("checks"), "checks", "the schema", spec, lines)
    columns = data.get("columns")
    if columns is None:
        if not data.get("checks"):
            raise ConfigError(
                "the schema has no `columns:` and no `checks:`: it would accept any data",
                file=spec,
                key="columns",
                hint="List the expected columns under `columns:`, e.g. `columns: {id: {dtype: "
                "int64}}`.",
            )
        return
    if isinstance(columns, Mapping):
        entries = list(columns.items())
    elif isinstance(columns, list) and all(
        isinstance(entry, Mapping) and "name" in entry for entry in columns
    ):  # Pandera's list form: one mapping with `name:` per column
        entries = [
            (entry["name"], {k: v for k, v in entry.items() if k != "name"}) for entry in columns
        ]
    else:
        raise ConfigError(
            f"`columns` is a {_yaml_type(columns)}; expected a mapping of column name to options",
            file=spec,
            key="columns",
            line=lines.get("columns"),
            hint="Write `columns:` then one `name:` entry per column, with `dtype:` and checks.",
        )
    for name, options in entries:
        where = f"columns.{name}"
        if options is None:
            continue
        if not isinstance(options, Mapping):
            raise ConfigError(
                f"the options of column `{name}` are a {_yaml_type(options)}; expected a mapping",
                file=spec,
                key=where,
                line=lines.get(where),
                hint="E.g. `amount: {dtype: float64, nullable: false, greater_than: 0}`.",
            )
        for option in options:
            if option in _COMPONENT_KEYS or callable(getattr(Check, str(option), None)):
                continue
            raise ConfigError(
                f"unknown option `{option}` for column `{name}`",
                file=spec,
                key=f"{where}.{option}",
                line=lines.get(f"{where}.{option}"),
                hint="A column takes " + ", ".join(sorted(_COMPONENT_KEYS)) + ", or a registered "
                "Pandera check such as greater_than, in_range, isin, str_matches.",
            )
        _check_names(options.get("checks"), f"{where}.checks", f"column `{name}`", spec, lines)
        _check_bounds(options, where, spec, lines)


# Pandera checks whose arguments are numeric bounds; a string there would compare numbers with
# text at validation time and fail as a data error, though the schema is what is wrong.
_BOUND_CHECKS = {
    "greater_than": ("min_value",),
    "greater_than_or_equal_to": ("min_value",),
    "less_than": ("max_value",),
    "less_than_or_equal_to": ("max_value",),
    "in_range": ("min_value", "max_value"),
}
_NUMERIC_DTYPES = ("int", "uint", "float", "Int", "UInt", "Float")


def _check_bounds(options: Mapping[Any, Any], where: str, spec: str, lines: dict[str, int]) -> None:
    dtype = str(options.get("dtype") or "")
    if not dtype.startswith(_NUMERIC_DTYPES):
        return
    places = [(options, where)]
    if isinstance(options.get("checks"), Mapping):
        places.append((options["checks"], f"{where}.checks"))
    for (checks, prefix), (check, arguments) in (
        (place, bound) for place in places for bound in _BOUND_CHECKS.items()
    ):
        if check not in checks:
            continue
        value = checks[check]
        values = (
            {arg: value.get(arg) for arg in arguments}
            if isinstance(value, Mapping)
            else {arguments[0]: value}
        )
        for argument, bound in values.items():
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                continue
            key = f"{prefix}.{check}"
            raise ConfigError(
                f"check `{check}` of a {dtype} column needs a number for `{argument}`, "
                f"got {bound!r}",
                file=spec,
                key=key,
                line=lines.get(f"{key}.{argument}", lines.get(key)),
                hint="write the bound as a number, e.g. `greater_than: 0`",
            )


def _check_names(checks: Any, where: str, owner: str, spec: str, lines: dict[str, int]) -> None:
    """Name the check when a `checks:` mapping uses one Pandera does not know."""
    from pandera.api.checks import Check

    if not isinstance(checks, Mapping):
        return  # the list form carries options; Pandera reports those errors itself
    for check in checks:
        if callable(getattr(Check, str(check), None)):
            continue
        raise ConfigError(
            f"unknown check `{check}` for {owner}",
            file=spec,
            key=f"{where}.{check}",
            line=lines.get(f"{where}.{check}"),
            hint="Use a built-in Pandera check (greater_than, in_range, isin, str_matches, ...), "
            "or register the custom check with pandera.extensions before modelci loads the schema.",
        )


def _deserialize(
    data: Mapping[Any, Any], spec: str, lines: dict[str, int], *, arrow_storage: bool = True
) -> DataFrameSchema:
    deserialize_schema = _deserializer()

    data = dict(data)
    if isinstance(data.get("columns"), Mapping):
        data["columns"] = {name: dict(opts or {}) for name, opts in data["columns"].items()}
        if not arrow_storage:
            for options in data["columns"].values():
                if isinstance(options.get("dtype"), str):
                    options["dtype"] = options["dtype"].replace("[pyarrow]", "")
    try:
        schema: DataFrameSchema = deserialize_schema(data)
    except Exception as error:
        key = _culprit(data)
        raise ConfigError(
            f"not a valid Pandera schema: {_describe(error)}",
            file=spec,
            key=key,
            line=lines.get(key) if key else None,
            hint="Check the dtype and check names against Pandera's documentation; "
            "`DataFrameSchema.to_yaml()` writes a valid file.",
        ) from error
    return schema


def _culprit(data: Mapping[str, Any]) -> str | None:
    """The key (`columns.<name>`, `checks` or `index`) that fails to deserialise on its own."""
    deserialize_schema = _deserializer()

    for name, options in (data.get("columns") or {}).items():
        try:
            deserialize_schema({"columns": {name: dict(options or {})}})
        except Exception:
            return f"columns.{name}"
    for key in ("checks", "index", "dtype"):
        if data.get(key) is None:
            continue
        try:
            deserialize_schema({key: data[key]})
        except Exception:
            return key
    return None


def _deserializer() -> Any:
    """Pandera's `deserialize_schema` (mapping -> DataFrameSchema); untyped, hence Any."""
    from pandera.io import pandas_io

    return pandas_io.deserialize_schema


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- Python objects ------------------------------------------------------------------------------


@contextmanager
def _on_sys_path(base_dir: Path | None) -> Iterator[None]:
    entry = None if base_dir is None else str(base_dir.resolve())
    if entry is None or entry in sys.path:
        yield
        return
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # the imported module may have removed it
            sys.path.remove(entry)


def _load_object(spec: str, base_dir: Path | None) -> DataFrameSchema:
    module_name, _, attr_path = spec.partition(":")
    where = f" (searched the Python path and {base_dir})" if base_dir else ""
    with _on_sys_path(base_dir):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if module_name == missing or module_name.startswith(missing + "."):
                raise ConfigError(
                    f"schema `{spec}`: module `{module_name}` not found{where}",
                    hint="Check the module name, or run modelci from the directory that holds it; "
                    + _SPEC_FORMS
                    + ".",
                ) from error
            raise ConfigError(
                f"schema `{spec}`: importing module `{module_name}` failed: {_describe(error)}",
                hint="Install what the module imports, or fix the import.",
            ) from error
        except (Exception, SystemExit) as error:  # a module calling sys.exit() must not end modelci
            raise ConfigError(
                f"schema `{spec}`: importing module `{module_name}` failed: {_describe(error)}",
                hint="Fix the error in the module (run `python -c 'import "
                + module_name
                + "'` to see the traceback).",
            ) from error
    obj: Any = module
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(
                f"schema `{spec}`: module `{module_name}` has no attribute `{attr_path}`",
                hint="Name a DataFrameSchema or DataFrameModel defined in that module.",
            ) from None
    return _as_dataframe_schema(obj, spec)


def _as_dataframe_schema(obj: Any, spec: str) -> DataFrameSchema:
    from pandera.api.pandas.container import DataFrameSchema
    from pandera.api.pandas.model import DataFrameModel

    if isinstance(obj, DataFrameSchema):
        return obj
    if isinstance(obj, type) and issubclass(obj, DataFrameModel):
        try:
            schema = obj.to_schema()
        except Exception as error:
            raise ConfigError(
                f"schema `{spec}`: the DataFrameModel cannot be turned into a schema: "
                f"{_describe(error)}",
                hint="Fix the model's fields and Config.",
            ) from error
        return schema
    kind = (
        f"the class `{obj.__name__}`"
        if isinstance(obj, type)
        else f"an object of type `{type(obj).__name__}`"
    )
    raise ConfigError(
        f"schema `{spec}` is {kind}, not a pandera DataFrameSchema or DataFrameModel",
        hint="Point at a `pandera.pandas.DataFrameSchema(...)` instance or a "
        "`pandera.pandas.DataFrameModel` subclass (pandas API; polars schemas are not supported).",
    )
