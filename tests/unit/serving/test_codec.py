"""Open Inference Protocol v2 and JSON records to columns, and predictions back to bodies."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest

from modelci.errors import RequestRejected
from modelci.serving import codec
from tests.unit.serving.test_schema import COMPILED, FEATURES

ROW = {"amount": 12.5, "merchant_category": "grocery", "hour": 13, "country_mismatch": 0,
       "card_age_days": 400, "velocity_1h": 1, "distance_from_home_km": 3.2,
       "is_online": 0}  # fmt: skip
DATATYPES = {"amount": "FP64", "merchant_category": "BYTES", "distance_from_home_km": "FP64"}


def _tensors(rows: list[dict[str, object]], nested: bool = False) -> dict[str, object]:
    return {
        "inputs": [
            {
                "name": name,
                "shape": [len(rows), 1],
                "datatype": DATATYPES.get(name, "INT64"),
                "data": [[r[name]] for r in rows] if nested else [r[name] for r in rows],
            }
            for name in reversed(FEATURES)  # any order: columns are matched by name
        ]
    }


def test_named_column_tensors_flat_or_nested_decode_to_the_same_columns() -> None:
    second = {**ROW, "hour": 2, "merchant_category": "travel"}
    flat = codec.decode_oip(_tensors([ROW, second]), COMPILED)
    nested = codec.decode_oip(_tensors([ROW, second], nested=True), COMPILED)
    assert flat == nested
    assert list(flat.values) == FEATURES
    assert (flat.rows, flat.values["hour"], flat.values["merchant_category"]) == (
        2,
        [13, 2],
        ["grocery", "travel"],
    )
    assert flat.outputs == ("score", "class")


def test_a_2d_tensor_holds_the_columns_in_the_model_order() -> None:
    data = [[ROW[name] for name in FEATURES], [ROW[name] for name in FEATURES]]
    payload = {"id": "x", "inputs": [{"name": "input-0", "shape": [2, 8], "datatype": "BYTES",
                                      "data": data}], "outputs": [{"name": "score"}]}  # fmt: skip
    columns = codec.decode_oip(payload, COMPILED)
    assert columns.values == {name: [ROW[name], ROW[name]] for name in FEATURES}
    assert (columns.request_id, columns.outputs) == ("x", ("score",))


def test_records_decode_and_extra_schema_columns_are_ignored() -> None:
    columns = codec.decode_records({"records": [{**ROW, "transaction_id": 5}]}, COMPILED)
    assert columns.values == {name: [ROW[name]] for name in FEATURES}


@pytest.mark.parametrize(
    ("payload", "status", "rule", "message"),
    [
        ({"inputs": []}, 400, "inputs", "`inputs` must hold at least one tensor object"),
        (
            {"inputs": [{"name": "amount", "shape": [1], "datatype": "FLOAT", "data": [1.0]}]},
            400,
            "datatype",
            "input `amount` has datatype 'FLOAT', not an Open Inference Protocol datatype",
        ),
        (
            {"inputs": [{"name": "amount", "shape": [1], "datatype": "BYTES", "data": ["1"]}]},
            422,
            "datatype",
            "input `amount` has datatype BYTES; the model takes it as FP64",
        ),
        (
            {"inputs": [{"name": "amount", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]},
            400,
            "shape",
            "input `amount` has shape [1, 2]: a column is [n] or [n, 1]",
        ),
        (
            {"inputs": [{"name": "amount", "shape": [1], "datatype": "FP64", "data": [1.0]}]},
            422,
            "required",
            "the request lacks the input `merchant_category` (and 6 more: hour, country_mismatch, "
            "card_age_days, velocity_1h, distance_from_home_km, is_online); the model takes "
            + ", ".join(FEATURES),
        ),
        (
            {**_tensors([ROW]), "outputs": [{"name": "predict_proba"}]},
            400,
            "outputs",
            "unknown output `predict_proba`; the model has score, class",
        ),
    ],
)
def test_malformed_requests_are_refused_with_status_rule_and_message(
    payload: dict[str, object], status: int, rule: str, message: str
) -> None:
    with pytest.raises(RequestRejected) as caught:
        codec.decode_oip(payload, COMPILED)
    assert (caught.value.status, caught.value.rule, caught.value.message) == (status, rule, message)


def test_uneven_columns_are_refused() -> None:
    payload = _tensors([ROW, ROW])
    payload["inputs"][0]["data"] = [1]  # type: ignore[index]
    payload["inputs"][0]["shape"] = [1]  # type: ignore[index]
    with pytest.raises(RequestRejected) as caught:
        codec.decode_oip(payload, COMPILED)
    assert caught.value.message == (
        "input `distance_from_home_km` has 2 rows, the first input 1: every column needs the same "
        "number of rows"
    )


def test_invalid_json_and_non_records_are_400() -> None:
    with pytest.raises(RequestRejected) as caught:
        codec.parse_json(b'{"inputs": [NaN]}')
    assert (caught.value.status, caught.value.rule) == (400, "json")
    with pytest.raises(RequestRejected) as caught:
        codec.decode_records({"rows": []}, COMPILED)
    assert caught.value.status == 400


def test_scores_round_trip_exactly_through_the_response() -> None:
    scores = np.random.default_rng(0).random(50)
    classes = (scores >= 0.5).astype(np.int64)
    body = json.loads(codec.encode_oip("m", "v1", "id-1", ("score", "class"), scores, classes))
    assert body["model_name"] == "m" and body["id"] == "id-1"
    score, decided = body["outputs"]
    assert (score["datatype"], score["shape"], decided["datatype"]) == ("FP64", [50], "INT64")
    np.testing.assert_array_equal(np.array(score["data"]), scores)
    records = orjson.loads(codec.encode_records("m", "v1", "id-1", scores, classes))
    assert records["scores"] == scores.tolist() and records["classes"] == classes.tolist()
