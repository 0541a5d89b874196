"""The reference pipeline's stage scripts (scripts/*.py), imported by path.

The scripts run as `python scripts/NAME.py`, where `import common` finds their shared helpers
beside them. Tests load them by file path instead of putting scripts/ on sys.path, so no other
module named `common` (or `split`, ...) can shadow or be shadowed by them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load_script(name: str) -> ModuleType:
    """scripts/NAME.py as a module (loaded once; `common` first, since every script imports it)."""
    if name != "common":
        load_script("common")
    loaded = sys.modules.get(name)
    if loaded is not None and Path(loaded.__file__ or "") == SCRIPTS / f"{name}.py":
        return loaded
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # what the scripts' own `from common import ...` resolves
    spec.loader.exec_module(module)
    return module
