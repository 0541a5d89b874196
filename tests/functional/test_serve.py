"""`modelci serve` as a real process on a free port, over real HTTP, serving the reference model
trained in a temp folder; held-out rows' scores must equal the model's predict_proba exactly."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.serving import (
    ReferenceProject,
    Server,
    build_reference_project,
    column_tensors,
    modelci_command,
    score_one_by_one,
    start_server,
    write_card,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> ReferenceProject:
    return build_reference_project(tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def server(project: ReferenceProject) -> Iterator[Server]:
    running = start_server(project.root)
    yield running
    assert running.stop() == 0


def _expected(project: ReferenceProject, rows: slice) -> np.ndarray:
    return np.asarray(project.model.predict_proba(project.test[project.features][rows])[:, 1])


def _model_path(server: Server) -> str:
    name = server.get("/v2/models/model").json()["name"]
    return f"/v2/models/{name}"


def test_health_and_metadata_speak_the_open_inference_protocol(
    server: Server, project: ReferenceProject
) -> None:
    assert server.get("/v2/health/live").status_code == 200
    ready = server.get("/v2/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"ready": True})
    meta = server.get("/v2/models/model").json()
    sha = json.loads((project.root / "models/model.json").read_text())["sha256"]
    assert meta["name"] == "model"
    assert meta["versions"] == [f"sha256-{sha[:12]}"]
    assert [(i["name"], i["datatype"]) for i in meta["inputs"]] == [
        ("amount", "FP64"),
        ("merchant_category", "BYTES"),
        ("hour", "INT64"),
        ("country_mismatch", "INT64"),
        ("card_age_days", "INT64"),
        ("velocity_1h", "INT64"),
        ("distance_from_home_km", "FP64"),
        ("is_online", "INT64"),
    ]
    assert meta["inputs"][2]["parameters"]["rules"] == ["in_range[0, 23]"]
    assert [o["name"] for o in meta["outputs"]] == ["score", "class"]
    version = meta["versions"][0]
    assert server.get(f"/v2/models/model/versions/{version}").json() == meta
    assert server.get(f"/v2/models/model/versions/{version}/ready").json() == {
        "name": "model",
        "ready": True,
    }
    missing = server.get("/v2/models/model/versions/v9.9.9")
    assert missing.status_code == 404
    assert missing.json()["error"] == (
        f"model `model` has no version `v9.9.9`; this server serves `{version}`"
    )
    assert server.get("/v2/models/other").json()["error"] == (
        "no model `other`; this server serves `model`"
    )


def test_column_tensors_score_exactly_as_the_model(
    server: Server, project: ReferenceProject
) -> None:
    rows = project.test.iloc[:200]
    answer = server.post(
        _model_path(server) + "/infer", json={"id": "r1", **column_tensors(rows, project.features)}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == "r1"
    score, decided = body["outputs"]
    assert (score["name"], score["datatype"], score["shape"]) == ("score", "FP64", [200])
    expected = _expected(project, slice(0, 200))
    np.testing.assert_array_equal(np.array(score["data"]), expected)  # exact, not approximate
    assert (decided["name"], decided["datatype"]) == ("class", "INT64")
    assert decided["data"] == (expected >= 0.5).astype(int).tolist()


def test_a_2d_tensor_and_json_records_score_the_same(
    server: Server, project: ReferenceProject
) -> None:
    rows = project.test.iloc[200:230]
    expected = _expected(project, slice(200, 230))
    matrix = rows[project.features].to_numpy(dtype=object).tolist()
    tensor = {
        "inputs": [{"name": "input-0", "shape": [30, 8], "datatype": "BYTES", "data": matrix}]
    }
    two_d = server.post(_model_path(server) + "/infer", json=tensor)
    assert two_d.status_code == 200, two_d.text
    np.testing.assert_array_equal(np.array(two_d.json()["outputs"][0]["data"]), expected)
    records = server.post("/predict", json=rows[project.features].to_dict(orient="records"))
    assert records.status_code == 200, records.text
    np.testing.assert_array_equal(np.array(records.json()["scores"]), expected)


def test_concurrent_single_rows_are_batched_and_each_gets_its_own_score(
    server: Server, project: ReferenceProject
) -> None:
    records = project.test[project.features].iloc[:160].to_dict(orient="records")
    scores = score_one_by_one(server.url, records, threads=16)
    np.testing.assert_array_equal(np.array(scores), _expected(project, slice(0, 160)))
    families = {f.name: f for f in text_string_to_metric_families(server.get("/metrics").text)}
    batches = [s for s in families["modelci_batch_rows"].samples if s.name.endswith("_count")]
    rows = [s for s in families["modelci_batch_rows"].samples if s.name.endswith("_sum")]
    # fewer predict calls than rows predicted: concurrent requests shared calls
    assert batches[0].value < rows[0].value


@pytest.mark.parametrize(
    ("change", "status", "field", "rule", "message"),
    [
        (
            {"amount": -3.0},
            422,
            "amount",
            "greater_than(0)",
            "`amount` must be greater than 0 (rule `greater_than(0)`): row 0 has -3.0",
        ),
        (
            {"merchant_category": "casino"},
            422,
            "merchant_category",
            "isin",
            "`merchant_category` must be one of grocery, restaurant, gas_station, retail, "
            "entertainment, health, utilities, electronics, travel, digital_goods (rule `isin`): "
            "row 0 has 'casino'",
        ),
        (
            {"hour": 24},
            422,
            "hour",
            "in_range[0, 23]",
            "`hour` must be in [0, 23] (rule `in_range[0, 23]`): row 0 has 24",
        ),
        (
            {"hour": "noon"},
            422,
            "hour",
            "dtype",
            "`hour` must be an integer (INT64) (rule `dtype`): row 0 has 'noon'",
        ),
        (
            {"velocity_1h": None},
            422,
            "velocity_1h",
            "not_nullable",
            "`velocity_1h` must not be null (rule `not_nullable`): row 0 has None",
        ),
        (
            {"is_online": True},
            422,
            "is_online",
            "dtype",
            "`is_online` must be an integer (INT64) (rule `dtype`): row 0 has True",
        ),
        (
            {"colour": "red"},
            422,
            "colour",
            "strict",
            "the request has the column `colour`, which the training schema does not know "
            "(the schema is strict)",
        ),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field_and_the_rule(
    server: Server,
    project: ReferenceProject,
    change: dict[str, object],
    status: int,
    field: str,
    rule: str,
    message: str,
) -> None:
    row = project.test[project.features].iloc[[0]].copy()
    payload = column_tensors(row, project.features)
    for name, value in change.items():
        tensors = [t for t in payload["inputs"] if t["name"] == name]
        if tensors:
            tensors[0]["data"] = [value]
            if isinstance(value, str) and name != "merchant_category":
                tensors[0]["datatype"] = "INT64"
        else:
            payload["inputs"].append(
                {"name": name, "shape": [1], "datatype": "BYTES", "data": [value]}
            )
    answer = server.post(_model_path(server) + "/infer", json=payload)
    assert answer.status_code == status
    assert answer.json()["error"] == message
    assert (answer.json()["field"], answer.json()["rule"]) == (field, rule)


def test_one_bad_request_in_a_batch_fails_alone(server: Server, project: ReferenceProject) -> None:
    records = project.test[project.features].iloc[:40].to_dict(orient="records")
    records[7] = {**records[7], "amount": 0}

    def one(record: dict[str, object]) -> tuple[int, object]:
        import requests

        answer = requests.post(server.url + "/predict", json=[record], timeout=30)
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, records))
    assert [code for code, _ in answers] == [200] * 7 + [422] + [200] * 32
    expected = _expected(project, slice(0, 40))
    good = [body["scores"][0] for code, body in answers if code == 200]  # type: ignore[index]
    np.testing.assert_array_equal(np.array(good), np.delete(expected, 7))


def test_malformed_bodies_get_400_and_oversized_ones_413(server: Server) -> None:
    path = _model_path(server) + "/infer"
    broken = server.post(path, data=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("the body is not valid JSON: ")
    no_inputs = server.post(path, json={"inputs": "amount"})
    assert (no_inputs.status_code, no_inputs.json()["error"]) == (
        400,
        "an inference request is an object with an `inputs` list of tensors",
    )
    bad_shape = server.post(
        path, json={"inputs": [{"name": "amount", "shape": [2], "datatype": "FP64", "data": [1.0]}]}
    )
    assert (bad_shape.status_code, bad_shape.json()["rule"]) == (400, "shape")
    assert bad_shape.json()["error"] == "input `amount` holds 1 values but its shape [2] needs 2"
    big = server.post("/predict", data=b"[" + b" " * (5 * 1024 * 1024) + b"]")
    assert big.status_code == 413
    assert big.json()["error"] == (
        "the body is 5242882 bytes, over the limit of 4194304 (--max-body-bytes): split the rows "
        "into several requests"
    )
    assert server.get(path).status_code == 405
    assert server.get("/nowhere").status_code == 404


def test_request_ids_go_in_and_out_and_into_the_json_log(server: Server) -> None:
    answer = server.get("/v2/health/live", headers={"X-Request-ID": "req-42"})
    assert answer.headers["x-request-id"] == "req-42"
    made = server.get("/v2/health/live").headers["x-request-id"]
    assert len(made) == 32 and made != "req-42"
    time.sleep(0.2)
    logged = [e for e in server.events() if e.get("event") == "request"]
    ours = [e for e in logged if e["request_id"] == "req-42"]
    assert len(ours) == 1
    assert (ours[0]["path"], ours[0]["status"], ours[0]["level"]) == (
        "/v2/health/live",
        200,
        "info",
    )


def test_metrics_count_requests_errors_scores_and_classes_by_model_and_version(
    project: ReferenceProject,
) -> None:
    running = start_server(project.root)
    try:
        rows = project.test.iloc[:50]
        version = running.get("/v2/models/model").json()["versions"][0]
        ok = running.post("/v2/models/model/infer", json=column_tensors(rows, project.features))
        assert ok.status_code == 200
        bad = running.post("/predict", json=[{"amount": 1}])
        assert bad.status_code == 422
        families = {f.name: f for f in text_string_to_metric_families(running.get("/metrics").text)}
    finally:
        assert running.stop() == 0
    labels = {"model": "model", "version": version}

    def value(family: str, sample: str, **extra: str) -> float:
        found = [
            s.value
            for s in families[family].samples
            if s.name == sample and s.labels == {**labels, **extra}
        ]
        assert len(found) == 1, (family, sample, extra, families[family].samples)
        return found[0]

    assert value("modelci_requests", "modelci_requests_total", endpoint="infer", code="200") == 1
    assert value("modelci_request_errors", "modelci_request_errors_total", endpoint="predict",
                 error="schema") == 1  # fmt: skip
    assert value("modelci_prediction_score", "modelci_prediction_score_count") == 50
    expected = _expected(project, slice(0, 50))
    assert value("modelci_prediction_score", "modelci_prediction_score_sum") == pytest.approx(
        expected.sum()
    )
    flagged = int((expected >= 0.5).sum())
    assert value("modelci_predicted_class", "modelci_predicted_class_total", **{"class": "0"}) == (
        50 - flagged
    )
    assert value("modelci_request_duration_seconds", "modelci_request_duration_seconds_count",
                 endpoint="infer") == 1  # fmt: skip
    sha = json.loads((project.root / "models/model.json").read_text())["sha256"]
    assert value("modelci_model_info", "modelci_model_info", sha256=sha) == 1


def test_a_tampered_model_refuses_to_start_with_exit_7(
    project: ReferenceProject, tmp_path: Path
) -> None:
    root = tmp_path / "tampered"
    shutil.copytree(project.root, root)
    model = root / "models/model.skops"
    blob = bytearray(model.read_bytes())
    blob[len(blob) // 2] ^= 0xFF  # one byte changed inside the archive
    model.write_bytes(bytes(blob))
    result = subprocess.run(
        modelci_command("serve", "--port", "0"), cwd=root, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 7
    actual = hashlib.sha256(model.read_bytes()).hexdigest()
    recorded = json.loads((root / "models/model.json").read_text())["sha256"]
    assert f"Error: models/model.skops: SHA-256 is {actual}, but training recorded {recorded}" in (
        result.stderr
    )
    assert '"event":"listening"' not in result.stderr


def test_a_model_card_names_model_schema_name_and_version(
    project: ReferenceProject, tmp_path: Path
) -> None:
    card_dir = tmp_path / "card"
    write_card(
        card_dir, project.root / "models/model.skops", project.root / "models/model.json",
        project.root / "schemas/transactions.yaml", name="fraud-detector", version="v1.2.0",
    )  # fmt: skip
    running = start_server(tmp_path, "--model-card", str(card_dir / "model-card.json"))
    try:
        rows = project.test.iloc[:10]
        answer = running.post(
            "/v2/models/fraud-detector/versions/v1.2.0/infer",
            json=column_tensors(rows, project.features),
        )
        assert answer.status_code == 200, answer.text
        assert (answer.json()["model_name"], answer.json()["model_version"]) == (
            "fraud-detector",
            "v1.2.0",
        )
        np.testing.assert_array_equal(
            np.array(answer.json()["outputs"][0]["data"]), _expected(project, slice(0, 10))
        )
    finally:
        assert running.stop() == 0
    (card_dir / "schema.yaml").write_text((card_dir / "schema.yaml").read_text() + "\n# edited\n")
    refused = subprocess.run(
        modelci_command("serve", "--port", "0", "--model-card", str(card_dir / "model-card.json")),
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 7
    assert "but the model card records" in refused.stderr
    assert "the schema was changed" in refused.stderr


def test_sigterm_lets_a_request_in_flight_finish(project: ReferenceProject) -> None:
    running = start_server(project.root)
    rows = project.test.iloc[:5]
    body = json.dumps(rows[project.features].to_dict(orient="records")).encode()
    head = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-ID: slow-1\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", running.port), timeout=30) as client:
        client.sendall(head + body[:10])  # the request is in flight: half its body sent
        time.sleep(0.3)
        running.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(OSError):  # no new connections once shutting down
            socket.create_connection(("127.0.0.1", running.port), timeout=2).close()
        client.sendall(body[10:])
        response = b""
        while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
            chunk = client.recv(65536)
            if not chunk:
                break
            response += chunk
    status_line, _, rest = response.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK"
    scores = json.loads(rest.partition(b"\r\n\r\n")[2])["scores"]
    np.testing.assert_array_equal(np.array(scores), _expected(project, slice(0, 5)))
    assert running.process.wait(30) == 0
    events = [e.get("event") for e in running.events()]
    assert events.index("stopped") > max(
        i for i, e in enumerate(running.events()) if e.get("request_id") == "slow-1"
    )


def test_two_workers_serve_the_same_scores_and_one_set_of_metrics(
    project: ReferenceProject,
) -> None:
    running = start_server(project.root, "--workers", "2")
    try:
        records = project.test[project.features].iloc[:40].to_dict(orient="records")
        scores = score_one_by_one(running.url, records, threads=8)
        text = running.get("/metrics").text
    finally:
        assert running.stop() == 0
    np.testing.assert_array_equal(np.array(scores), _expected(project, slice(0, 40)))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    counts = [
        s.value
        for s in families["modelci_prediction_score"].samples
        if s.name == "modelci_prediction_score_count"
    ]
    assert counts == [40.0]  # both workers' rows, summed in one series
    stopped = [e for e in running.events() if e.get("event") == "stopped"]
    assert len(stopped) == 2
