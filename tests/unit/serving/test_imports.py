"""`modelci serve` starts with only the `image` extra installed, as in the image.

The pull-request loop's libraries (dvc, gto, pyarrow, requests, ...) are not in the image: a
server module importing one would fail there, or pull it back into the image.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# The start path of `modelci serve --model-card`: the command, the server, the schema loader,
# the model's libraries (scikit-learn through skops), in an interpreter where every module of a
# distribution outside the image is refused (as in the image) and each attempt is recorded
# with the module that made it.
_PROBE = """
import importlib.abc, json, sys
ABSENT = set(json.loads(sys.argv[1]))
tried = []
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ABSENT:
            frame = sys._getframe(1)
            while frame and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
                frame = frame.f_back
            tried.append([name, frame.f_globals.get("__name__", "?") if frame else "?"])
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
from modelci.cli.main import cli
try:
    cli.main(args=["serve", "--help"], prog_name="modelci")
except SystemExit:
    pass
import modelci.cli.serve, modelci.serving, modelci.serving.server, modelci.serving.source
import granian, skops.io, sklearn.ensemble, sklearn.pipeline
from modelci.validation import load_schema
load_schema(sys.argv[2], arrow_storage=False)  # as the server loads it
print(json.dumps({"tried": tried, "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _outside_the_image() -> list[str]:
    """Top-level modules of the installed distributions the image does not install."""
    import importlib.metadata as metadata

    from packaging.utils import canonicalize_name

    from modelci.packaging.environment import resolve_pins

    image = {pin.name for pin in resolve_pins()} | {"modelci"}
    return sorted(
        module
        for module, owners in metadata.packages_distributions().items()
        if not {canonicalize_name(owner) for owner in owners} & image
    )


def test_the_server_starts_with_only_the_image_extra_installed() -> None:
    absent = _outside_the_image()
    assert {"dvc", "gto", "pyarrow", "requests", "docker"} <= set(absent)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(absent), str(ROOT / "schemas/transactions.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Libraries probe for optional ones (pandas for pyarrow) and carry on; modelci must not ask.
    assert [pair for pair in result["tried"] if pair[1].startswith("modelci")] == []
    assert {"sklearn", "skops", "pandera", "granian", "orjson"} <= set(result["loaded"])
