"""Property: no input makes `modelci check` or `modelci validate` crash, corrupt or destroy.

Generated `modelci:` sections of params.yaml, metrics files, data files and schemas go through
both commands in one real git + DVC repository (built once for the module, reset before every
example). Whatever the input, the process must exit with a documented code, print no traceback,
change no file outside its output folder (a check that reproduces may also rewrite the pipeline's
own outputs), and write only strict JSON (no NaN or Infinity, which JSON does not have).
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from modelci.cli.main import cli
from tests.functional.conftest import MiniProject, _env, make_project

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}
OUT = "out"  # the output folder of every run; anything else must stay as it was
# Not the workspace: git's own bookkeeping, DVC's scratch and cache (the lock, validation verdicts).
UNTRACKED = (".git", ".dvc/tmp", ".dvc/cache", OUT)
PIPELINE_OUTPUTS = ("dvc.lock", "eval/")  # what `dvc repro` itself rewrites
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniProject]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env().items():
            patch.setenv(name, value)
        patch.delenv("GITHUB_ACTIONS", raising=False)
        p = make_project(tmp_path_factory.mktemp("property") / "repo")
        p.repro()
        p.commit("base: trained model")
        patch.chdir(p.root)  # `modelci validate` resolves paths against the working directory
        yield p


# --- inputs: mostly plausible (to reach the gates, diffs and reports), some of anything ----------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
finite = st.floats(-2, 2, allow_nan=False)
numbers = st.one_of(
    finite, finite, st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), values
)
data_paths = st.sampled_from(
    ["data/points.csv", "data/missing.csv", "data", "../elsewhere.csv", "", "data/points.parquet"]
) | st.text(max_size=10)
# Only names whose import is harmless: a schema given as module:attr is imported.
schema_specs = st.sampled_from(
    ["schemas/points.yaml", "schemas/other.yaml", "missing.yaml", "json:loads", "os:sep", "x"]
) | st.text(max_size=10)
metric_names = st.sampled_from(
    ["f1", "roc_auc", "details.rows", "eval/metrics.json:f1", "nope", "f1.x"]
) | st.text(max_size=10)

real_dataset = st.just(
    {"name": "points", "path": "data/points.csv", "schema": "schemas/points.yaml"}
)
dataset = st.one_of(
    real_dataset,
    real_dataset,
    st.fixed_dictionaries(
        {"name": st.text(max_size=10) | values, "path": data_paths, "schema": schema_specs}
    ),
    values,
)
plausible_gate = st.fixed_dictionaries(
    {
        "metric": st.sampled_from(["f1", "roc_auc", "details.rows", "eval/metrics.json:f1"]),
        "threshold": numbers,
    },
    optional={
        "direction": st.sampled_from(["higher", "lower"]),
        "max_regression": st.one_of(
            finite.map(abs), numbers, st.sampled_from(["2%", "nan%", "inf"])
        ),
    },
)
gate = st.one_of(
    plausible_gate,
    plausible_gate,
    plausible_gate,
    st.fixed_dictionaries(
        {"metric": metric_names | values},
        optional={
            "threshold": numbers,
            "direction": st.sampled_from(["higher", "lower", "sideways"]) | values,
            "max_regression": numbers | st.sampled_from(["2%", "-1%", "nan%", "inf", "%"]),
        },
    ),
    values,
)
plot = st.fixed_dictionaries(
    {"path": st.sampled_from(["eval/pr.json", "eval/metrics.json", "nope.json"])},
    optional={
        "kind": st.sampled_from(["line", "confusion", "pie"]),
        "x": st.sampled_from(["recall", "precision"]) | st.text(max_size=8),
        "y": st.sampled_from(["recall", "precision"]) | st.text(max_size=8),
        "title": st.text(max_size=8),
    },
)
report = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=30) | values,
        "max_samples": st.integers(-3, 10**6) | values,
        "plots": st.lists(plot | values, max_size=2),
    },
)
structured = st.fixed_dictionaries(
    {},
    optional={
        "data": st.lists(dataset, max_size=2),
        "gates": st.lists(gate, max_size=3),
        "report": report,
    },
)
# Valid as configuration: what is left to go wrong is in the metrics, the data and the numbers.
plausible = st.fixed_dictionaries(
    {"gates": st.lists(plausible_gate, min_size=1, max_size=3)},
    optional={
        "data": st.lists(real_dataset, max_size=1),
        "report": st.fixed_dictionaries({}, optional={"plots": st.lists(plot, max_size=2)}),
    },
)
sections = st.one_of(plausible, plausible, structured, values)


# YAML that is valid but hostile: aliases (a small "billion laughs"), duplicate keys, tags, a
# section that is an alias of the params, non-string keys.
NASTY_YAML = (
    "a: &a [x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b]\n"
    "train: {quality: 0.95, depth: 3}\nmodelci: {gates: [{metric: f1, threshold: 0.9}], x: *c}\n",
    "train: &t {quality: 0.95, depth: 3}\nmodelci: *t\n",
    "train: {quality: 0.95}\nmodelci: {gates: [{metric: f1, threshold: 0.9}]}\n"
    "modelci: {gates: [{metric: f1, threshold: 0.1}]}\n",
    "train: {quality: 0.95}\nmodelci:\n  gates:\n    - {metric: f1, threshold: 0.9, threshold: .inf}\n",
    "train: {quality: 0.95}\nmodelci: {gates: [{metric: f1, threshold: !!float .nan}]}\n",
    "train: {quality: 0.95}\nmodelci: {gates: [{metric: !!binary aGVsbG8=, threshold: 1}]}\n",
    "train: {quality: 0.95}\nmodelci: {1: 2, null: 3, [a]: 4}\n",
    "train: {quality: 0.95}\nmodelci: {report: {max_samples: 1e400}, gates: []}\n",
    "--- \ntrain: {}\n--- \nmodelci: {}\n",
)


@st.composite
def params_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["section"] * 6 + ["raw", "nasty", "empty"]))
    if kind == "raw":
        return draw(st.text(max_size=200))
    if kind == "nasty":
        return draw(st.sampled_from(NASTY_YAML))
    if kind == "empty":
        return ""
    document = {"train": {"quality": 0.95, "depth": 3}, "modelci": draw(sections)}
    return yaml.safe_dump(document, allow_unicode=draw(st.booleans()), sort_keys=False)


metric_files = st.fixed_dictionaries(
    {"f1": numbers},
    optional={"roc_auc": numbers, "details": st.fixed_dictionaries({"rows": numbers})},
)


@st.composite
def metrics_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["json", "json", "json", "raw", "empty"]))
    if kind == "raw":
        return draw(st.text(max_size=100))
    if kind == "empty":
        return ""
    content = st.one_of(metric_files, metric_files, st.dictionaries(metric_names, numbers), values)
    return json.dumps(draw(content))  # NaN and Infinity included, as Python writes them


cells = (
    st.integers(-(10**12), 10**12).map(str)
    | st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.sampled_from(["", "NA", "red", "green", "blue", "0", "1", '"a,b"', '"x\ny"', '"'])
    | st.text(max_size=8)
)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["good", "good", "table", "raw", "empty"]))
    if kind == "raw":
        return draw(st.text(max_size=200))
    if kind == "empty":
        return ""
    if kind == "good":  # valid rows, sometimes one bad row among them
        rows = ["x,count,color,label", "0.5,1,red,0", "0.25,2,blue,1"]
        if draw(st.booleans()):
            bad = draw(st.lists(cells, min_size=4, max_size=4))
            rows.insert(draw(st.integers(1, 3)), ",".join(bad))
        return "\n".join(rows) + "\n"
    header = draw(
        st.lists(
            st.sampled_from(["x", "count", "color", "label"]) | st.text(max_size=5), max_size=5
        )
    )
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 1), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join([",".join(header), *(",".join(row) for row in rows)]) + newline


schema_texts = (
    st.sampled_from(["", "columns: {}\n", "columns:\n  x: {dtype: float64, ge: 0}\n"])
    | values.map(lambda v: yaml.safe_dump(v, allow_unicode=True))
    | st.text(max_size=80)
)


# --- what must hold ------------------------------------------------------------------------------


def _reset(project: MiniProject) -> None:
    project.git("reset", "-q", "--hard")
    project.git("clean", "-q", "-fd")  # ignored files (DVC's scratch and cache) stay
    shutil.rmtree(project.root / OUT, ignore_errors=True)


def _tree(root: Path) -> dict[str, str]:
    """sha256 of every file, by path, outside git's, DVC's and the run's own folders."""
    hashes = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if any(relative == skip or relative.startswith(skip + "/") for skip in UNTRACKED):
            continue
        if path.is_symlink():
            hashes[relative] = "-> " + str(path.readlink())
        elif path.is_file():
            hashes[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"report holds {constant}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def _assert_sound(result: Result) -> None:
    event(f"exit code {result.exit_code}")  # shown by --hypothesis-show-statistics
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    # An exception escaping the command is what a user sees as a traceback (exit code 1).
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{output}"
    )
    # modelci's own traceback starts a line; a stage's (streamed, indented) is the pipeline's.
    assert not any(
        line.startswith("Traceback (most recent call last)") for line in output.splitlines()
    ), output
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (result.exit_code, output)


@SETTINGS
@given(
    params=params_texts(),
    metrics=metrics_texts(),
    data=csv_texts(),
    repro=st.sampled_from([False, False, False, False, True]),
    base=st.sampled_from([None, "HEAD", "HEAD", "no-such-rev"]),
)
def test_check_never_crashes_corrupts_or_destroys(
    project: MiniProject, params: str, metrics: str, data: str, repro: bool, base: str | None
) -> None:
    _reset(project)
    project.write("params.yaml", params)
    project.write("eval/metrics.json", metrics)
    project.write("data/points.csv", data)
    before = _tree(project.root)

    args = ["check", "-C", str(project.root), "--output-dir", OUT, "--format", "none"]
    args += [] if repro else ["--no-repro"]
    args += ["--base", base] if base else []
    result = CliRunner().invoke(cli, args)

    _assert_sound(result)
    after = _tree(project.root)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    if repro:  # the pipeline may rewrite its own outputs, nothing else
        changed = {path for path in changed if not path.startswith(PIPELINE_OUTPUTS)}
    assert changed == set(), result.output
    written = project.root / OUT / "report.json"
    if written.exists():
        data_out = _strict_json(written.read_text())
        assert data_out["exit_code"] == result.exit_code


@SETTINGS
@given(
    data=csv_texts(),
    schema=st.sampled_from(["schemas/points.yaml", "schemas/other.yaml"]),
    schema_text=schema_texts,
    output_format=st.sampled_from(["json", "text", "markdown"]),
    max_samples=st.integers(0, 50),
)
def test_validate_never_crashes_corrupts_or_destroys(
    project: MiniProject,
    data: str,
    schema: str,
    schema_text: str,
    output_format: str,
    max_samples: int,
) -> None:
    _reset(project)
    project.write("data/points.csv", data)
    if schema == "schemas/other.yaml":
        project.write(schema, schema_text)
    before = _tree(project.root)

    output = Path(OUT) / f"validation.{output_format}"
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            "data/points.csv",
            "--schema",
            schema,
            "--format",
            output_format,
            "--max-samples",
            str(max_samples),
            "--output",
            str(output),
        ],
    )

    _assert_sound(result)
    assert result.exit_code in {0, 2, 3, 4}, result.output  # validate's own codes
    assert _tree(project.root) == before
    if output_format == "json" and (project.root / output).exists():
        for dataset in _strict_json((project.root / output).read_text()):
            assert not any(isinstance(v, float) and not math.isfinite(v) for v in dataset.values())


def test_the_properties_run_in_a_real_repository(project: MiniProject) -> None:
    """The generated inputs meet a real pipeline: the unchanged project passes its check."""
    _reset(project)
    result = CliRunner().invoke(
        cli, ["check", "-C", str(project.root), "--output-dir", OUT, "--no-repro", "--base", "HEAD"]
    )
    assert result.exit_code == 0, result.output
    assert _strict_json((project.root / OUT / "report.json").read_text())["verdict"] == "pass"
