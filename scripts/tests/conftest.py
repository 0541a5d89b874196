"""The team's own tests of the reference pipeline's scripts (run by `modelci.tests` in params.yaml).

The stage scripts import each other as top-level modules (`import common`), as they do when DVC
runs `python scripts/NAME.py`: put scripts/ first on the path for them.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
