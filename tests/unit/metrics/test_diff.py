from modelci.metrics.diff import diff_files, flatten, is_number


def test_flatten_nests_with_dots_and_keeps_lists() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "l": [1, 2], "e": {}}) == {
        "a.b": 1,
        "a.c.d": "x",
        "l": [1, 2],
        "e": {},
    }


def test_is_number_excludes_bools_and_nan() -> None:
    assert is_number(1) and is_number(0.5)
    assert not is_number(True)
    assert not is_number(float("nan"))
    assert not is_number("1")


def test_diff_across_files_with_missing_and_non_numeric_values() -> None:
    base = {"eval/m.json": {"f1": 0.9, "name": "rf", "gone": 1}, "old.json": {"x": 1}}
    head = {"eval/m.json": {"f1": 0.95, "name": "gbm", "test": {"auc": 0.99}}, "new.json": {"y": 2}}
    changes = {c.name: c for c in diff_files(base, head)}
    assert set(changes) == {
        "eval/m.json:f1",
        "eval/m.json:name",
        "eval/m.json:test.auc",
        "eval/m.json:gone",
        "new.json:y",
        "old.json:x",
    }
    f1 = changes["eval/m.json:f1"]
    assert f1.status == "modified"
    assert round(f1.delta or 0, 10) == 0.05
    assert round(f1.delta_percent or 0, 6) == round(100 * 0.05 / 0.9, 6)
    assert changes["eval/m.json:name"].status == "modified"
    assert changes["eval/m.json:name"].delta is None
    assert changes["eval/m.json:test.auc"].status == "added"
    assert changes["eval/m.json:gone"].status == "removed"
    assert changes["old.json:x"].in_head is False
    assert changes["new.json:y"].to_dict() == {
        "file": "new.json",
        "key": "y",
        "base": None,
        "head": 2,
        "status": "added",
        "delta": None,
        "delta_percent": None,
    }


def test_no_base_means_everything_added() -> None:
    changes = diff_files(None, {"m.json": {"f1": 0.9}})
    assert [(c.name, c.status) for c in changes] == [("m.json:f1", "added")]


def test_ignore_drops_top_level_keys() -> None:
    changes = diff_files(
        {"p.yaml": {"modelci": {"a": 1}, "lr": 1}},
        {"p.yaml": {"modelci": {"a": 2}, "lr": 1}},
        ignore=("modelci",),
    )
    assert [(c.key, c.status) for c in changes] == [("lr", "unchanged")]
