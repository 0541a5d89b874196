"""modelci's configuration: the `modelci:` section of params.yaml.

It lives in params.yaml because the design card fixes the top-level files. `models` declares it
once (pydantic); `load` reads it with every problem named by file, line and key;
`python -m modelci.config` prints its JSON Schema (docs/config.schema.json).
"""

from modelci.config.behaviour import BehaviourConfig
from modelci.config.gates import Direction, GateConfig, RegressionMode, Tolerance
from modelci.config.load import SECTION, Config, load_config
from modelci.config.models import (
    DatasetConfig,
    IntervalsConfig,
    ModelciSection,
    PlotConfig,
    PlotKind,
    PredictionsConfig,
    ReportConfig,
)
from modelci.config.slices import SliceColumn, SliceGateConfig, SlicesConfig
from modelci.config.tests import TestsConfig

__all__ = [
    "SECTION",
    "BehaviourConfig",
    "Config",
    "DatasetConfig",
    "Direction",
    "GateConfig",
    "IntervalsConfig",
    "ModelciSection",
    "PlotConfig",
    "PlotKind",
    "PredictionsConfig",
    "RegressionMode",
    "ReportConfig",
    "SliceColumn",
    "SliceGateConfig",
    "SlicesConfig",
    "TestsConfig",
    "Tolerance",
    "load_config",
]
