"""load_schema: Pandera YAML files and `module:attr` objects, and every way a spec can be wrong."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandera.pandas as pa
import pytest

from modelci.errors import ConfigError, ExitCode
from modelci.validation import load_schema

Write = Callable[[str, str], Path]

SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column("int64", pa.Check.ge(1), unique=True),
        "amount": pa.Column("float64", pa.Check.gt(0), nullable=False),
        "category": pa.Column(str, pa.Check.isin(["food", "travel"])),
    },
    strict=True,
    coerce=True,
)


def _error(spec: str, **kwargs: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_schema(spec, **kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_code == ExitCode.CONFIG == 3
    return caught.value


# --- YAML files ----------------------------------------------------------------------------------


def test_yaml_file_written_by_pandera_loads_back_to_the_same_schema(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    SCHEMA.to_yaml(path)

    schema = load_schema(str(path))

    assert isinstance(schema, pa.DataFrameSchema)
    assert list(schema.columns) == ["id", "amount", "category"]
    assert schema.strict is True
    assert schema.coerce is True
    assert schema.columns["id"].unique is True
    assert [str(c) for c in schema.columns["amount"].checks] == [
        "<Check greater_than: greater_than(0)>"
    ]
    assert schema.columns["category"].checks[0].statistics == {"allowed_values": ["food", "travel"]}


def test_relative_yaml_path_is_resolved_against_base_dir(tmp_path: Path, write: Write) -> None:
    write("schemas/t.yml", "columns:\n  a:\n    dtype: int64\n    greater_than: 0\n")

    schema = load_schema("schemas/t.yml", base_dir=tmp_path)

    assert list(schema.columns) == ["a"]
    assert [str(c) for c in schema.columns["a"].checks] == ["<Check greater_than: greater_than(0)>"]


def test_pandera_list_form_of_columns_is_accepted(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n- name: a\n  dtype: int64\n- name: b\n  dtype: str\n")

    schema = load_schema("s.yaml", base_dir=tmp_path)

    assert list(schema.columns) == ["a", "b"]


def test_missing_yaml_file_is_named_with_a_hint(tmp_path: Path) -> None:
    error = _error("schemas/missing.yaml", base_dir=tmp_path)

    assert (
        str(error)
        == f"schema file not found: schemas/missing.yaml ({tmp_path}/schemas/missing.yaml)"
    )
    assert error.hint is not None
    assert f"relative paths are resolved against {tmp_path}" in error.hint
    assert "`package.module:attr`" in error.hint


def test_invalid_yaml_reports_the_line(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n  a: [1, 2\n  b: 3\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == "s.yaml:3: not valid YAML: expected ',' or ']', but got ':'"
    assert error.line == 3
    assert error.file == "s.yaml"


def test_empty_yaml_file_is_rejected(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "# nothing yet\n")

    assert str(_error("s.yaml", base_dir=tmp_path)) == "s.yaml: the schema file is empty"


def test_yaml_that_is_a_list_is_not_a_schema(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "- a\n- b\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml:1: not a Pandera schema: the top level is a list, expected a mapping with "
        "`columns:`"
    )


def test_yaml_of_something_else_is_not_a_schema(tmp_path: Path, write: Write) -> None:
    write("params.yaml", "seed: 1\ntrain:\n  epochs: 3\n")

    error = _error("params.yaml", base_dir=tmp_path)

    assert str(error) == (
        "params.yaml:1 (key `seed`): unknown key `seed`: this does not look like a Pandera "
        "DataFrameSchema"
    )
    assert error.hint is not None
    assert error.hint.startswith("Allowed top-level keys: add_missing_columns, api, checks, coerce")


def test_schema_without_columns_or_checks_is_rejected(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "schema_type: dataframe\nstrict: false\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml (key `columns`): the schema has no `columns:` and no `checks:`: it would accept "
        "any data"
    )


def test_series_schema_is_rejected(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "schema_type: series\ndtype: int64\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml:1 (key `schema_type`): schema_type is `series`; only `dataframe` schemas can "
        "validate a data file"
    )


def test_misspelt_column_option_is_named_with_its_line(tmp_path: Path, write: Write) -> None:
    # Pandera itself silently ignores `nulable`: the column would accept nulls.
    write(
        "s.yaml",
        "columns:\n  id:\n    dtype: int64\n  amount:\n    dtype: float64\n    nulable: false\n",
    )

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml:6 (key `columns.amount.nulable`): unknown option `nulable` for column `amount`"
    )
    assert error.key == "columns.amount.nulable"
    assert error.hint is not None and "nullable" in error.hint and "greater_than" in error.hint


def test_unknown_check_in_a_checks_mapping_is_named(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n  a:\n    dtype: int64\n    checks:\n      frobnicate: 3\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert (
        str(error)
        == "s.yaml:5 (key `columns.a.checks.frobnicate`): unknown check `frobnicate` for column `a`"
    )


def test_unknown_dataframe_check_is_named(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n  a:\n    dtype: int64\nchecks:\n  nosuchcheck: 1\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert (
        str(error)
        == "s.yaml:5 (key `checks.nosuchcheck`): unknown check `nosuchcheck` for the schema"
    )


def test_unknown_dtype_names_the_column(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n  id:\n    dtype: int64\n  a:\n    dtype: notatype\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml:4 (key `columns.a`): not a valid Pandera schema: TypeError: data type "
        "'notatype' not understood"
    )


def test_bad_check_arguments_name_the_column(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n  a:\n    dtype: int64\n    in_range: 5\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml:2 (key `columns.a`): not a valid Pandera schema: TypeError: in_range() missing "
        "required argument: 'max_value'"
    )


def test_columns_as_a_list_of_names_is_rejected(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns: [a, b]\n")

    error = _error("s.yaml", base_dir=tmp_path)

    assert str(error) == (
        "s.yaml:1 (key `columns`): `columns` is a list; expected a mapping of column name to "
        "options"
    )


def test_spec_that_is_neither_file_nor_object(tmp_path: Path) -> None:
    error = _error("schemas/transactions.json", base_dir=tmp_path)

    assert str(error) == (
        "schema spec `schemas/transactions.json` is neither a YAML file (.yaml/.yml) nor a "
        "Python object `package.module:attr`"
    )


# --- Python objects ------------------------------------------------------------------------------

MODEL_MODULE = """
import pandera.pandas as pa


class Transactions(pa.DataFrameModel):
    amount: float = pa.Field(gt=0)
    category: str = pa.Field(isin=["food", "travel"])

    class Config:
        strict = True


schema = pa.DataFrameSchema({"id": pa.Column(int, unique=True)})
not_a_schema = 42


class Plain:
    pass
"""


def test_dataframe_model_in_a_module_file_under_base_dir(
    tmp_path: Path, write: Write, module_name: str
) -> None:
    write(f"{module_name}.py", MODEL_MODULE)
    path_before = list(sys.path)

    schema = load_schema(f"{module_name}:Transactions", base_dir=tmp_path)

    assert isinstance(schema, pa.DataFrameSchema)
    assert list(schema.columns) == ["amount", "category"]
    assert schema.strict is True
    assert sys.path == path_before  # base_dir was on sys.path only while importing


def test_dataframe_schema_instance_in_a_package_module(
    tmp_path: Path, write: Write, module_name: str
) -> None:
    write(f"{module_name}/__init__.py", "")
    write(f"{module_name}/schemas.py", MODEL_MODULE)

    schema = load_schema(f"{module_name}.schemas:schema", base_dir=tmp_path)

    assert list(schema.columns) == ["id"]
    assert schema.columns["id"].unique is True


def test_missing_module(tmp_path: Path, module_name: str) -> None:
    error = _error(f"{module_name}:schema", base_dir=tmp_path)

    assert str(error) == (
        f"schema `{module_name}:schema`: module `{module_name}` not found (searched the Python "
        f"path and {tmp_path})"
    )
    assert error.hint is not None and "`package.module:attr`" in error.hint


def test_module_that_fails_to_import(tmp_path: Path, write: Write, module_name: str) -> None:
    write(f"{module_name}.py", "raise RuntimeError('boom')\n")

    error = _error(f"{module_name}:schema", base_dir=tmp_path)

    assert str(error) == (
        f"schema `{module_name}:schema`: importing module `{module_name}` failed: "
        "RuntimeError: boom"
    )


@pytest.mark.parametrize(
    ("body", "raised"),
    [
        ("import sys\nsys.exit(9)\n", "SystemExit: 9"),
        ("raise SystemExit('bye')\n", "SystemExit: bye"),
        ("raise SystemExit\n", "SystemExit"),
    ],
)
def test_module_that_exits_on_import_is_a_config_error(
    tmp_path: Path, write: Write, module_name: str, body: str, raised: str
) -> None:
    write(f"{module_name}.py", body)

    error = _error(f"{module_name}:schema", base_dir=tmp_path)

    assert str(error) == (
        f"schema `{module_name}:schema`: importing module `{module_name}` failed: {raised}"
    )


def test_module_whose_own_import_is_missing(tmp_path: Path, write: Write, module_name: str) -> None:
    write(f"{module_name}.py", "import nosuchdependency_7f3a\n")

    error = _error(f"{module_name}:schema", base_dir=tmp_path)

    assert str(error) == (
        f"schema `{module_name}:schema`: importing module `{module_name}` failed: "
        "ModuleNotFoundError: No module named 'nosuchdependency_7f3a'"
    )


def test_missing_attribute(tmp_path: Path, write: Write, module_name: str) -> None:
    write(f"{module_name}.py", MODEL_MODULE)

    error = _error(f"{module_name}:Nope", base_dir=tmp_path)

    assert (
        str(error) == f"schema `{module_name}:Nope`: module `{module_name}` has no attribute `Nope`"
    )


@pytest.mark.parametrize(
    ("attr", "kind"),
    [("not_a_schema", "an object of type `int`"), ("Plain", "the class `Plain`")],
)
def test_attribute_of_the_wrong_type(
    tmp_path: Path, write: Write, module_name: str, attr: str, kind: str
) -> None:
    write(f"{module_name}.py", MODEL_MODULE)

    error = _error(f"{module_name}:{attr}", base_dir=tmp_path)

    assert str(error) == (
        f"schema `{module_name}:{attr}` is {kind}, not a pandera DataFrameSchema or DataFrameModel"
    )


@pytest.mark.parametrize(
    ("options", "check", "argument", "line"),
    [
        ("    greater_than: abc\n", "greater_than", "min_value", 4),
        ("    in_range: {min_value: 0, max_value: ten}\n", "in_range", "max_value", 4),
        ("    checks:\n      less_than: [1]\n", "less_than", "max_value", 5),
    ],
)
def test_a_non_numeric_bound_is_a_schema_error(
    tmp_path: Path, write: Write, options: str, check: str, argument: str, line: int
) -> None:
    write("s.yaml", "columns:\n  amount:\n    dtype: float64\n" + options)

    error = _error("s.yaml", base_dir=tmp_path)

    assert f"check `{check}` of a float64 column needs a number for `{argument}`" in error.message
    assert error.line == line
    assert error.file == "s.yaml"


def test_schema_files_share_the_safe_yaml_loader(tmp_path: Path, write: Write) -> None:
    write("s.yaml", "columns:\n  a: {dtype: int64}\n  a: {dtype: float64}\n")
    error = _error("s.yaml", base_dir=tmp_path)
    assert "duplicate key `a` (first at line 2)" in error.message
    assert error.line == 3
    (tmp_path / "bomb.yaml").write_text(
        "x: &a [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(
            f"x{i}: &a{i} [{','.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n" for i in range(8)
        )
        + "columns: {a: {dtype: int64}}\n"
    )
    assert "alias bomb" in _error("bomb.yaml", base_dir=tmp_path).message
