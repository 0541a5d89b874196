"""register/action.yml's step: register HEAD as a model version, or name the one it holds.

Run by modelci's own interpreter (install/venv.sh) in the DVC project, the inputs in the
environment. A commit holds at most one version: when HEAD (after fetching the remote's tags)
holds one already, as on a re-run of the same push, nothing is tagged or pushed, the outputs
name that version and `registered` is false. Otherwise `modelci registry register --format
json` decides (the check, the version, the tag push as the lock) and its exit code is ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelci.adapters import git
from modelci.adapters.gto_registry import ModelVersion
from modelci.errors import ModelciError
from modelci.registry import operations as ops

# Who tags when the runner has no git identity (GitHub's hosted runners have none).
BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


def _modelci(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-m", "modelci", *args], env=env, stdout=subprocess.PIPE, text=True
    )


def _identity(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    configured = subprocess.run(
        ["git", "config", "user.email"], cwd=root, capture_output=True, text=True
    )
    if configured.returncode != 0 and "GIT_COMMITTER_EMAIL" not in env:
        for who in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{who}_NAME"], env[f"GIT_{who}_EMAIL"] = BOT
    return env


def _registry(root: Path, name: str, push: bool, remote: str) -> tuple[str, list[ModelVersion]]:
    """(the model, its registered versions); ("", []) on an error (the register reports it)."""
    try:
        if push:
            git.fetch_tags(root, remote)
        model = ops.resolve_model(root, name or None).name
        listed = [v for v in ops.versions(root, model) if v.registered and v.active and v.tag]
    except ModelciError:
        return "", []
    return model, listed


def main() -> int:
    root = Path.cwd()
    name, remote = os.environ["NAME"], os.environ["REMOTE"]
    push = os.environ["PUSH"] == "true"
    out_dir = (root / os.environ["OUTPUT_DIR"]).resolve()
    env = _identity(root)
    model, listed = _registry(root, name, push, remote)
    head = git.head(root).sha
    held = next((v for v in listed if v.commit == head), None)
    if held is not None:
        version, tag = held.version, str(held.tag)
        card = out_dir / "model-card.json"
        shown = _modelci("registry", "card", f"{model}@{version}", "--output", str(card), env=env)
        if shown.returncode != 0:
            return shown.returncode
        print(f"::notice title=modelci: registered already::{tag} is this commit: nothing new.")
        outputs = {"tag": tag, "version": version, "name": model, "card": str(card)}
        registered = "false"
    else:
        args = ["registry", "register", "--format", "json", "--remote", remote]
        args += ["--params-file", os.environ["PARAMS_FILE"], "--output-dir", str(out_dir)]
        args += ["--name", name] if name else []
        version = os.environ["VERSION"]
        if version:
            args += ["--version", version]
        elif listed:  # the first version is v0.0.1, whatever the bump
            args += ["--bump", os.environ["BUMP"]]
        args += ["--push"] if push else []
        run = _modelci(*args, env=env)
        if run.returncode != 0:
            print(run.stdout, end="")
            return run.returncode
        done = json.loads(run.stdout)
        outputs = {k: str(done[k]) for k in ("tag", "version", "name", "card")}
        registered = "true"
        where = f"pushed to {remote}" if push else "not pushed"
        print(f"Registered {done['tag']} on {done['commit'][:12]} ({where}).")
    outputs["registered"] = registered
    with Path(os.environ["GITHUB_OUTPUT"]).open("a", encoding="utf-8") as sink:
        sink.writelines(f"{key}={value}\n" for key, value in outputs.items())
    for key, value in outputs.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
