"""`modelci registry register`: a commit whose check passed becomes a registered version.

1. The workspace must be clean (tracked files as committed): a version is exactly one commit.
2. The commit's check must have passed. The check's report.json is read when it is about this
   very commit, checked on a clean workspace (`head.sha` is HEAD and `head.ref` is not
   "uncommitted changes"); otherwise the check runs now, against the version in `production`
   when there is one (no base otherwise), and writes its report as `modelci check` does. A
   check that changes tracked files (dvc.lock) shows the commit does not reproduce: refused.
3. The card is built from the commit and the check (`modelci.registry.lineage`), then the tag
   `NAME@vX.Y.Z` carries it; with `push`, the tag push is the lock (`modelci.registry`).
4. model-card.json and model-card.md are written to the output directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from modelci.adapters import git
from modelci.adapters.gto_registry import Bump
from modelci.config import load_config
from modelci.errors import CheckNotPassedError, DirtyWorkspaceError
from modelci.registry.card import ModelCard
from modelci.registry.lineage import build_card
from modelci.registry.markdown import save_card
from modelci.registry.operations import (
    DEFAULT_REMOTE,
    Registered,
    plan_version,
    register_version,
    require_clean,
    resolve_model,
)

Progress = Callable[[str, str], None]
BASELINE_STAGE = "production"


@dataclass(frozen=True)
class RegisterOptions:
    root: Path
    name: str | None = None
    version: str | None = None
    bump: Bump | None = None
    push: bool = False
    remote: str = DEFAULT_REMOTE
    params_file: Path = Path("params.yaml")
    output_dir: Path = Path()  # where the check's report is read (and written) and the card


@dataclass(frozen=True)
class Registration:
    registered: Registered
    check_source: Literal["report", "run"]
    card_json: Path
    card_markdown: Path

    @property
    def card(self) -> ModelCard:
        return self.registered.card

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.registered.to_dict(),
            "check": self.check_source,
            "card": str(self.card_json),
            "card_markdown": str(self.card_markdown),
        }


def _quiet(kind: str, text: str) -> None:
    """Default progress sink: discard."""


def register(options: RegisterOptions, progress: Progress = _quiet) -> Registration:
    root = options.root.resolve()
    out_dir = options.output_dir if options.output_dir.is_absolute() else root / options.output_dir
    model = resolve_model(root, options.name)
    commit = require_clean(root, f"register {model.name}")
    params_path = (
        options.params_file if options.params_file.is_absolute() else root / options.params_file
    )
    config = load_config(params_path)
    # Version first: a taken --version is refused before a check runs for nothing.
    version, tag = plan_version(
        root,
        model.name,
        commit,
        version=options.version,
        bump=options.bump,
        push=options.push,
        remote=options.remote,
    )
    report, source = _passing_check(options, root, out_dir, commit, progress)
    progress("step", f"Registering {model.name} {version} ({tag} on {commit[:12]})")
    card = build_card(
        root=root,
        artifact=model,
        version=version,
        tag=tag,
        commit=commit,
        report=report,
        source=source,
        datasets=config.data,
    )
    registered = register_version(
        root, model.name, commit, version, card, push=options.push, remote=options.remote
    )
    json_path, markdown_path = save_card(card, out_dir)
    return Registration(registered, source, json_path, markdown_path)


def _passing_check(
    options: RegisterOptions, root: Path, out_dir: Path, commit: str, progress: Progress
) -> tuple[dict[str, Any], Literal["report", "run"]]:
    """The report data of a passing check of `commit`: read, or run now."""
    path = out_dir / "report.json"
    data = _report_for(path, commit)
    source: Literal["report", "run"] = "report"
    if data is None:
        progress("step", f"No passing report.json for {commit[:12]}: running the check")
        data = _run_check(options, root, out_dir, progress)
        source = "run"
        changed = git.dirty_files(root)
        if changed:
            raise DirtyWorkspaceError(
                f"the check changed tracked files: {commit[:12]} does not reproduce as "
                f"committed ({', '.join(changed[:5])})",
                hint="commit what `dvc repro` wrote (dvc.lock, metrics) and register that commit",
            )
    if data.get("verdict") != "pass":
        raise CheckNotPassedError(
            f"the check of {commit[:12]} did not pass: {data.get('summary', 'no summary')}",
            hint=f"fix what the report says ({path}), commit, and register again",
        )
    return data, source


def _report_for(path: Path, commit: str) -> dict[str, Any] | None:
    """report.json when it is about `commit` checked on a clean workspace; None otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    head = data.get("head") if isinstance(data, dict) else None
    if not isinstance(head, dict) or head.get("sha") != commit:
        return None
    if "uncommitted" in str(head.get("ref", "")):
        return None  # checked with changes that are not in the commit
    return dict(data)


def _run_check(
    options: RegisterOptions, root: Path, out_dir: Path, progress: Progress
) -> dict[str, Any]:
    from modelci.operations.check import CheckOptions, check_lock, run_check
    from modelci.registry.operations import baseline
    from modelci.report import write_reports

    model_name = options.name
    stage = BASELINE_STAGE if model_name is None else f"{model_name}#{BASELINE_STAGE}"
    _, in_stage, _ = baseline(root, stage)
    with check_lock(root):
        config, report = run_check(
            CheckOptions(
                root=root,
                params_file=options.params_file,
                baseline=stage if in_stage is not None else None,
            ),
            progress,
        )
        written = write_reports(report, out_dir, max_samples=config.report.max_samples)
    return written.data
