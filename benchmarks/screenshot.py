"""Make docs/report-screenshot.png: a report.md of the reference pipeline, as GitHub shows it.

In a temporary copy of the reference pipeline (see pipeline.py): train, commit, weaken the model
(`train.max_depth: 1`, `train.n_estimators: 20`, the README's first experiment), run
`modelci check --base HEAD`, turn report.md into HTML (markdown-it, GitHub's flavour of tables
and raw HTML), draw its Mermaid charts with the npm `mermaid` package, and take a screenshot
with headless Chromium (Debian: `apt-get install chromium`). Not part of the test suite.

    python benchmarks/screenshot.py [--out docs/report-screenshot.png] [--keep-html DIR]
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt
from pipeline import ROOT, _fresh_repo, _run, _set_train_param

MERMAID = ROOT / "node_modules/mermaid/dist/mermaid.min.js"
STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; max-width: 860px; margin: 16px auto; padding: 0 16px; }
h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { margin-top: 24px; } h4 { margin: 16px 0 8px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .15em .35em; font-size: 85%; }
blockquote { border-left: .25em solid #0969da; color: #59636e; margin: 0; padding: 0 1em; }
pre.mermaid { background: none; text-align: center; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0969da; }
"""


def report_markdown(workdir: Path) -> str:
    repo = _fresh_repo(workdir)
    _run(repo, sys.executable, "-m", "dvc", "repro")
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "commit", "-q", "-m", "Train the reference model")
    _set_train_param(repo, "max_depth", 1)
    _set_train_param(repo, "n_estimators", 20)
    check = [sys.executable, "-m", "modelci", "check", "--base", "HEAD", "--format", "none"]
    _run(repo, *check, "--output-dir", "out")
    return (repo / "out/report.md").read_text(encoding="utf-8")


def to_html(markdown: str) -> str:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    default_fence = md.renderer.rules["fence"]

    def fence(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        token = tokens[idx]
        if token.info.strip() == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return default_fence(tokens, idx, options, env)

    md.add_render_rule("fence", fence)
    body = md.render(markdown)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style>"
        f"<script src='{MERMAID.as_uri()}'></script></head><body>{body}"
        "<script>mermaid.initialize({startOnLoad: true});</script></body></html>"
    )


def screenshot(page: Path, out: Path, height: int) -> None:
    chromium = shutil.which("chromium") or sys.exit("chromium is not installed")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            f"--window-size=900,{height}",
            "--virtual-time-budget=20000",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/report-screenshot.png")
    parser.add_argument("--height", type=int, default=1720, help="page height in pixels")
    parser.add_argument("--keep-html", type=Path, help="also keep report.md and report.html here")
    args = parser.parse_args()
    if not MERMAID.exists():
        sys.exit("node_modules/mermaid is missing: run `npm ci` first")
    with tempfile.TemporaryDirectory(prefix="modelci-screenshot-") as workdir:
        markdown = report_markdown(Path(workdir))
        page = Path(workdir) / "report.html"
        page.write_text(to_html(markdown), encoding="utf-8")
        screenshot(page, args.out.resolve(), args.height)
        if args.keep_html:
            args.keep_html.mkdir(parents=True, exist_ok=True)
            (args.keep_html / "report.md").write_text(markdown, encoding="utf-8")
            shutil.copy2(page, args.keep_html / "report.html")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
