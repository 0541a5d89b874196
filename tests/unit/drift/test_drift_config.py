"""`modelci.drift` settings: validated on load, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelci.drift.config import ColumnSetting, DriftConfig, MethodSetting, load_drift_config
from modelci.drift.stattests import ColumnKind
from modelci.errors import ConfigError

PARAMS = """\
train: {depth: 3}
modelci:
  data:
    - {name: t, path: data/t.csv, schema: schemas/t.yaml}
  drift:
    share: 0.3
    exclude: [id]
    numeric: {method: psi}
    columns:
      amount: {method: ks, threshold: 0.01}
"""


def test_defaults() -> None:
    config = DriftConfig()
    assert (config.share, config.exclude, config.columns) == (0.5, (), {})
    assert config.setting("x", ColumnKind.NUMERIC) == MethodSetting()


def test_loads_the_drift_and_data_entries(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(PARAMS)
    config, schemas = load_drift_config(params)
    assert config.share == 0.3 and config.exclude == ("id",)
    assert config.setting("amount", ColumnKind.NUMERIC) == MethodSetting(
        method="ks", threshold=0.01
    )
    assert config.setting("other", ColumnKind.NUMERIC) == MethodSetting(method="psi")
    assert schemas == {"data/t.csv": "schemas/t.yaml"}


def test_no_file_means_defaults(tmp_path: Path) -> None:
    assert load_drift_config(tmp_path / "params.yaml") == (DriftConfig(), {})


def test_a_column_threshold_alone_keeps_the_kinds_method() -> None:
    config = DriftConfig(
        numeric=MethodSetting(method="psi", threshold=0.2),
        columns={"a": ColumnSetting(threshold=0.3), "b": ColumnSetting(method="ks")},
    )
    assert config.setting("a", ColumnKind.NUMERIC) == MethodSetting(method="psi", threshold=0.3)
    # another method: the kind's threshold (made for psi) does not carry over
    assert config.setting("b", ColumnKind.NUMERIC) == MethodSetting(method="ks")


@pytest.mark.parametrize(
    ("drift", "key", "message"),
    [
        ("shares: 0.5", "modelci.drift.shares", "unknown key"),
        ("share: 0", "modelci.drift.share", "must be > 0.0, got 0"),
        (
            "columns: {a: {method: kl}}",
            "modelci.drift.columns.a.method",
            "unknown method 'kl'; known: ks, chisquare, z, wasserstein",
        ),
        (
            "categorical: {method: wasserstein}",
            "modelci.drift",
            "categorical.method 'wasserstein' does not test categorical columns",
        ),
        (
            "columns: {a: {kind: categorical, method: ks}}",
            "modelci.drift.columns.a",
            "method 'ks' does not test categorical columns",
        ),
        (
            "columns: {a: {threshold: -1}}",
            "modelci.drift.columns.a.threshold",
            "must be > 0.0, got -1",
        ),
    ],
)
def test_bad_settings_are_config_errors_naming_the_key(
    tmp_path: Path, drift: str, key: str, message: str
) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(f"modelci:\n  drift:\n    {drift}\n")
    with pytest.raises(ConfigError) as caught:
        load_drift_config(params)
    assert caught.value.key == key
    line = 3 if key != "modelci.drift" else 2
    assert str(caught.value).startswith(f"{params}:{line} (key `{key}`): {message}")


def test_the_configuration_names_exactly_the_registered_methods() -> None:
    from modelci.config.drift import METHOD_KINDS
    from modelci.drift.stattests import METHODS

    assert {name: set(kinds) for name, kinds in METHOD_KINDS.items()} == {
        name: {str(kind) for kind in test.kinds} for name, test in METHODS.items()
    }
