"""`modelci: drift:` in params.yaml: the drift settings, as one pydantic model.

    modelci:
      drift:
        share: 0.5                  # dataset drift when this share of columns drifted
        exclude: [transaction_id]   # columns not tested (identifiers, the label)
        numeric: {method: psi, threshold: 0.2}       # instead of Evidently's default choice
        categorical: {method: chisquare}
        columns:                    # per column; wins over the kind's setting
          amount: {method: ks, threshold: 0.01}
          hour: {kind: categorical}
        prediction: {method: wasserstein, threshold: 0.15}   # the model's scores

Every key is optional; a method without a threshold gets the method's default threshold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from modelci.drift.stattests import METHODS, ColumnKind
from modelci.errors import ConfigError

SECTION = ("modelci", "drift")


class MethodSetting(BaseModel):
    """A test and its threshold; either may be left to the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str | None = None
    threshold: float | None = Field(default=None, gt=0)

    @field_validator("method")
    @classmethod
    def _known_method(cls, method: str | None) -> str | None:
        if method is not None and method not in METHODS:
            raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
        return method

    def accepts(self, kind: ColumnKind) -> bool:
        return self.method is None or kind in METHODS[self.method].kinds


class ColumnSetting(MethodSetting):
    """A column's test, and optionally its kind (say, integer codes that are categories)."""

    kind: Literal["numeric", "categorical"] | None = None

    @model_validator(mode="after")
    def _method_fits_kind(self) -> ColumnSetting:
        if self.kind is not None and not self.accepts(ColumnKind(self.kind)):
            raise ValueError(f"method {self.method!r} does not test {self.kind} columns")
        return self


class DriftConfig(BaseModel):
    """The `modelci.drift` section (a sub-model of modelci's configuration)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: float = Field(default=0.5, gt=0, le=1)
    exclude: tuple[str, ...] = ()
    numeric: MethodSetting = MethodSetting()
    categorical: MethodSetting = MethodSetting()
    columns: dict[str, ColumnSetting] = Field(default_factory=dict)
    prediction: MethodSetting = MethodSetting()

    @model_validator(mode="after")
    def _kind_methods_fit(self) -> DriftConfig:
        for kind in ColumnKind:
            if not getattr(self, kind.value).accepts(kind):
                raise ValueError(
                    f"{kind.value}.method {getattr(self, kind.value).method!r} does not test "
                    f"{kind.value} columns"
                )
        if not self.prediction.accepts(ColumnKind.NUMERIC):
            raise ValueError(
                f"prediction.method {self.prediction.method!r} does not test numeric scores"
            )
        return self

    def setting(self, column: str, kind: ColumnKind) -> MethodSetting:
        """The column's own setting over its kind's: a field it leaves unset comes from the kind."""
        general: MethodSetting = getattr(self, kind.value)
        own = self.columns.get(column)
        if own is None:
            return general
        if own.method is not None and own.method != general.method:
            return MethodSetting(method=own.method, threshold=own.threshold)
        return MethodSetting(
            method=general.method,
            threshold=own.threshold if own.threshold is not None else general.threshold,
        )


def drift_config(data: Any, *, file: str = "params.yaml") -> DriftConfig:
    """Validate a `modelci.drift` mapping; a bad key or value is a ConfigError naming it."""
    try:
        return DriftConfig.model_validate(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join([*SECTION, *(str(part) for part in first["loc"])])
        raise ConfigError(
            f"{first['msg']} ({error.error_count()} problem(s) in modelci.drift)",
            file=file,
            key=key,
            hint="See README, 'Drift detection', for the keys of modelci.drift.",
        ) from error


def load_drift_config(params_file: Path) -> tuple[DriftConfig, dict[str, str]]:
    """(drift settings, {dataset path: schema spec}) from params.yaml; defaults without the file.

    Reads only the `modelci.drift` and `modelci.data` entries, with yaml.safe_load.
    """
    import yaml

    if not params_file.exists():
        return DriftConfig(), {}
    try:
        params = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read it: {error}", file=str(params_file)) from error
    section = params.get("modelci") if isinstance(params, dict) else None
    if not isinstance(section, dict):
        return DriftConfig(), {}
    schemas = {
        str(entry["path"]): str(entry["schema"])
        for entry in section.get("data") or []
        if isinstance(entry, dict) and "path" in entry and "schema" in entry
    }
    return drift_config(section.get("drift"), file=str(params_file)), schemas
