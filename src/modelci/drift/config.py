"""The drift settings as the drift command reads them: `modelci.drift` of the one configuration.

The models live in modelci.config.drift (a sub-model of the configuration); this module reads
them, with the data schemas, through the configuration's own loader.
"""

from __future__ import annotations

from pathlib import Path

from modelci.config import load_config
from modelci.config.drift import ColumnSetting, DriftConfig, MethodSetting

__all__ = ["ColumnSetting", "DriftConfig", "MethodSetting", "load_drift_config"]


def load_drift_config(params_file: Path) -> tuple[DriftConfig, dict[str, str]]:
    """(drift settings, {dataset path: schema spec}); defaults when there is no params file or
    no `modelci:` section in it. Errors in the section are ConfigErrors as for `check`."""
    if not params_file.exists():
        return DriftConfig(), {}
    config = load_config(params_file, require_section=False)
    schemas = {dataset.path: dataset.schema for dataset in config.data}
    return config.section.drift or DriftConfig(), schemas
