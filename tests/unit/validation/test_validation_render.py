"""Renderers: terminal text, Markdown for the PR report (hostile values), JSON."""

from __future__ import annotations

import json
import re

from modelci.validation import (
    CheckFailure,
    FailureSample,
    ValidationResult,
    render_markdown,
    render_text,
    results_to_json,
)

BAD = ValidationResult(
    dataset="transactions",
    path="data/transactions.csv",
    schema="schemas/transactions.yaml",
    rows=1000,
    failures=(
        CheckFailure(
            "amount",
            "greater_than(0)",
            4,
            (
                FailureSample(12, "-5.0"),
                FailureSample(40, "-1.0"),
                FailureSample(41, "0.0"),
                FailureSample(99, "-2.5"),
            ),
        ),
        CheckFailure("missing", "column_in_dataframe", 0, ()),
        CheckFailure(None, "a_lt_b", 1, (FailureSample(7, "a=5, b=1"),)),
        CheckFailure("qty", "dtype('float64')", 0, (FailureSample(None, "int64"),)),
    ),
    failed_row_count=5,
)
OK = ValidationResult("holdout", "data/holdout.parquet", "schemas/holdout.yaml", 250)
BAD_PARQUET = ValidationResult(
    "scores.parquet",
    "scores.parquet",
    "pkg.schemas:Scores",
    3,
    (CheckFailure("score", "in_range(0, 1)", 1, (FailureSample(2, "1.5"),)),),
    failed_row_count=1,
)


# --- text ----------------------------------------------------------------------------------------


def test_text_block_per_dataset() -> None:
    assert render_text([BAD, OK, BAD_PARQUET]) == (
        "✗ transactions (data/transactions.csv): invalid against schemas/transactions.yaml\n"
        "  rows: 1,000 (5 failing rows)\n"
        "  amount · greater_than(0) · 4 rows · e.g. row 12 (line 14): -5.0, row 40 (line 42): "
        "-1.0, row 41 (line 43): 0.0, row 99 (line 101): -2.5\n"
        "  missing · column_in_dataframe · whole column\n"
        "  (table) · a_lt_b · 1 row · e.g. row 7 (line 9): a=5, b=1\n"
        "  qty · dtype('float64') · whole column · e.g. int64\n"
        "\n"
        "✓ holdout (data/holdout.parquet): valid against schemas/holdout.yaml\n"
        "  rows: 250\n"
        "\n"
        "✗ scores.parquet: invalid against pkg.schemas:Scores\n"
        "  rows: 3 (1 failing row)\n"
        "  score · in_range(0, 1) · 1 row · e.g. row 2: 1.5\n"
    )


def test_text_escapes_control_characters() -> None:
    result = ValidationResult(
        "d",
        "d.csv",
        "s.yaml",
        1,
        (CheckFailure("col\x1b[31m\nx", "c", 1, (FailureSample(0, "v\x07"),)),),
    )

    assert (
        render_text([result]).splitlines()[2]
        == r"  col\x1b[31m\nx · c · 1 row · e.g. row 0 (line 2): v\x07"
    )


def test_text_without_results() -> None:
    assert render_text([]) == "No data files were validated.\n"


# --- Markdown ------------------------------------------------------------------------------------


def test_markdown_summary_table_and_details() -> None:
    assert render_markdown([BAD, OK], max_samples=2) == (
        "❌ **transactions** (<code>data/transactions.csv</code>): invalid against "
        "<code>schemas/transactions.yaml</code>: 4 failed checks, 5 of 1,000 rows failing.\n"
        "\n"
        "| column | check | failing rows | examples |\n"
        "| --- | --- | ---: | --- |\n"
        "| <code>amount</code> | <code>greater&#95;than(0)</code> | 4 | <code>-5.0</code>, "
        "<code>-1.0</code> |\n"
        "| <code>missing</code> | <code>column&#95;in&#95;dataframe</code> | whole column |  |\n"
        "| <code>(table)</code> | <code>a&#95;lt&#95;b</code> | 1 | <code>a=5, b=1</code> |\n"
        "| <code>qty</code> | <code>dtype('float64')</code> | whole column | <code>int64</code> |\n"
        "\n"
        "<details><summary>Failing samples: transactions (at most 2 per check)</summary>\n"
        "\n"
        "| column | check | row | line | value |\n"
        "| --- | --- | ---: | ---: | --- |\n"
        "| <code>amount</code> | <code>greater&#95;than(0)</code> | 12 | 14 | <code>-5.0</code> |\n"
        "| <code>amount</code> | <code>greater&#95;than(0)</code> | 40 | 42 | <code>-1.0</code> |\n"
        "| <code>(table)</code> | <code>a&#95;lt&#95;b</code> | 7 | 9 | <code>a=5, b=1</code> |\n"
        "| <code>qty</code> | <code>dtype('float64')</code> |  |  | <code>int64</code> |\n"
        "\n"
        "</details>\n"
        "\n"
        "✅ **holdout** (<code>data/holdout.parquet</code>): valid, 250 rows match "
        "<code>schemas/holdout.yaml</code>.\n"
    )


def test_markdown_examples_cell_shows_at_most_three_values() -> None:
    table_row = render_markdown([BAD]).splitlines()[4]

    assert table_row == (
        "| <code>amount</code> | <code>greater&#95;than(0)</code> | 4 | <code>-5.0</code>, "
        "<code>-1.0</code>, <code>0.0</code> |"
    )


def test_markdown_for_parquet_has_no_line_column() -> None:
    lines = render_markdown([BAD_PARQUET]).splitlines()

    assert lines[8:11] == [
        "| column | check | row | value |",
        "| --- | --- | ---: | --- |",
        "| <code>score</code> | <code>in&#95;range(0, 1)</code> | 2 | <code>1.5</code> |",
    ]


HOSTILE_VALUE = (
    "'a|b`c</details><script>alert(1)</script>\\n@org/team **x** [l](http://e) $x$ &amp;'"
)
HOSTILE = ValidationResult(
    dataset="evil</summary></details><img src=x onerror=alert(1)>",
    path="data/evil|name`.csv",
    schema="s.yaml",
    rows=2,
    failures=(
        CheckFailure(
            "col|<b>umn</b>",
            "isin(['a'])",
            2,
            (FailureSample(0, HOSTILE_VALUE), FailureSample(1, "'x\u202eevil'")),
        ),
    ),
    failed_row_count=2,
)


def test_markdown_never_lets_values_inject_markup() -> None:
    markdown = render_markdown([HOSTILE])

    # The only tags are the ones the renderer writes.
    assert sorted(set(re.findall(r"</?[a-zA-Z]+", markdown))) == [
        "</code",
        "</details",
        "</summary",
        "<code",
        "<details",
        "<summary",
    ]
    assert markdown.count("</details>") == 1
    assert markdown.count("<summary>") == 1
    for forbidden in ("<script", "<img", "<b>", "`", "**x**", "@org", "[l]", "$x$", "&amp;amp"):
        assert forbidden not in markdown
    assert "\u202e" not in markdown


def test_markdown_table_rows_keep_their_cells() -> None:
    lines = render_markdown([HOSTILE]).splitlines()
    table = [line for line in lines if line.startswith("| ")]

    # a `|` from the data would add a cell; every row of each table has the header's cell count
    assert [line.count("|") for line in table] == [5, 5, 5, 6, 6, 6, 6]


def test_markdown_hostile_value_is_encoded_exactly() -> None:
    lines = render_markdown([HOSTILE]).splitlines()

    assert lines[0] == (
        "❌ **evil&#60;/summary&#62;&#60;/details&#62;&#60;img src=x onerror=alert(1)&#62;** "
        "(<code>data/evil&#124;name&#96;.csv</code>): invalid against <code>s.yaml</code>: "
        "1 failed check, 2 of 2 rows failing."
    )
    assert lines[-3] == (
        "| <code>col&#124;&#60;b&#62;umn&#60;/b&#62;</code> | <code>isin(&#91;'a'&#93;)</code> "
        "| 1 | 3 | <code>'x&#92;u202eevil'</code> |"
    )
    assert lines[-4].endswith(
        "| <code>'a&#124;b&#96;c&#60;/details&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#92;n"
        "&#64;org/team &#42;&#42;x&#42;&#42; &#91;l&#93;(http://e) &#36;x&#36; &#38;amp;'</code> |"
    )


def test_markdown_without_results() -> None:
    assert render_markdown([]) == "No data files were validated.\n"


# --- JSON ----------------------------------------------------------------------------------------


def test_results_to_json() -> None:
    data = results_to_json([BAD_PARQUET, OK])

    assert json.loads(json.dumps(data)) == [
        {
            "dataset": "scores.parquet",
            "path": "scores.parquet",
            "schema": "pkg.schemas:Scores",
            "rows": 3,
            "valid": False,
            "failed_rows": 1,
            "failures": [
                {
                    "column": "score",
                    "check": "in_range(0, 1)",
                    "count": 1,
                    "table_wide": False,
                    "samples": [{"row": 2, "line": None, "value": "1.5"}],
                }
            ],
        },
        {
            "dataset": "holdout",
            "path": "data/holdout.parquet",
            "schema": "schemas/holdout.yaml",
            "rows": 250,
            "valid": True,
            "failed_rows": 0,
            "failures": [],
        },
    ]


def test_failed_rows_of_a_hand_built_result_is_the_largest_count() -> None:
    result = ValidationResult(
        "d", "d.csv", "s", 10, (CheckFailure("a", "c", 3), CheckFailure("b", "c", 2))
    )

    assert result.failed_rows == 3
    assert result.failures[0].samples == ()
