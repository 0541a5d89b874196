"""Request and response bodies: the Open Inference Protocol v2 (as KServe and MLServer speak it)
and plain JSON records, to and from columns of values.

Decoding checks only the shape of a request (which columns, how many rows, tensor shapes and
datatypes); the values are checked against the schema once per batch (schema.py). orjson parses
and writes: floats round-trip exactly, so a score read back equals the model's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from modelci.errors import RequestRejected
from modelci.serving.schema import ACCEPTED_DATATYPES, CompiledSchema

OUTPUTS = ("score", "class")
_OIP_DATATYPES = frozenset(
    {"BOOL", "BYTES", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"}
    | {"FP16", "FP32", "FP64"}
)


@dataclass(frozen=True)
class Columns:
    """A request's rows as one list of values per model input."""

    values: dict[str, list[Any]]
    rows: int
    request_id: str | None = None  # the OIP request's own `id`
    outputs: tuple[str, ...] = OUTPUTS  # the outputs the request asked for


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise RequestRejected(
            f"the body is not valid JSON: {error}", status=400, rule="json"
        ) from error


def decode_records(payload: Any, schema: CompiledSchema) -> Columns:
    """`[{"amount": 12.5, ...}, ...]`, or `{"records": [...]}`, to columns."""
    records = payload.get("records") if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not records:
        raise RequestRejected(
            'the body must be a non-empty JSON array of records (objects), or {"records": [...]}',
            status=400,
            rule="records",
        )
    names = schema.names
    values: dict[str, list[Any]] = {name: [] for name in names}
    expected = set(names)
    for row, record in enumerate(records):
        if not isinstance(record, dict):
            raise RequestRejected(
                f"record {row} is a {type(record).__name__}, not an object",
                status=400,
                rule="records",
            )
        if record.keys() != expected:
            _check_keys(record.keys(), schema, f"record {row}")
        for name in names:
            values[name].append(record[name])
    return Columns(values, len(records))


def decode_oip(payload: Any, schema: CompiledSchema) -> Columns:
    """An OIP v2 inference request to columns: one named tensor per column (MLServer's pandas
    codec: shape [n] or [n, 1]), or one 2-D tensor [n, k] holding the columns in the model's order
    (the order GET /v2/models/{name} lists)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("inputs"), list):
        raise RequestRejected(
            "an inference request is an object with an `inputs` list of tensors",
            status=400,
            rule="inputs",
        )
    inputs: list[Any] = payload["inputs"]
    if not inputs or not all(isinstance(tensor, dict) for tensor in inputs):
        raise RequestRejected("`inputs` must hold at least one tensor object", status=400,
                              rule="inputs")  # fmt: skip
    request_id = payload.get("id")
    outputs = _requested_outputs(payload.get("outputs"))
    names = schema.names
    first = inputs[0]
    shape = _shape(first)
    if (
        len(inputs) == 1
        and len(shape) == 2
        and shape[1] == len(names)
        and first.get("name") not in set(names)
    ):
        flat = _flat(first, shape)
        width = len(names)
        values = {name: flat[column::width] for column, name in enumerate(names)}
        return Columns(values, shape[0], _id(request_id), outputs)
    by_name: dict[str, list[Any]] = {}
    rows: int | None = None
    columns = {column.name: column for column in schema.columns}
    for tensor in inputs:
        name = tensor.get("name")
        if not isinstance(name, str):
            raise RequestRejected("every input tensor needs a `name`", status=400, rule="inputs")
        tensor_shape = _shape(tensor)
        if len(tensor_shape) not in (1, 2) or (len(tensor_shape) == 2 and tensor_shape[1] != 1):
            raise RequestRejected(
                f"input `{name}` has shape {tensor_shape}: a column is [n] or [n, 1]",
                status=400,
                field=name,
                rule="shape",
            )
        if name in by_name:
            raise RequestRejected(f"input `{name}` is given twice", status=400, field=name,
                                  rule="inputs")  # fmt: skip
        column = columns.get(name)
        if column is not None and tensor.get("datatype") not in ACCEPTED_DATATYPES[column.kind]:
            raise RequestRejected(
                f"input `{name}` has datatype {tensor.get('datatype')}; the model takes it as "
                f"{column.datatype}",
                field=name,
                rule="datatype",
            )
        data = _flat(tensor, tensor_shape)
        if rows is not None and len(data) != rows:
            raise RequestRejected(
                f"input `{name}` has {len(data)} rows, the first input {rows}: every column "
                "needs the same number of rows",
                status=400,
                field=name,
                rule="shape",
            )
        rows = len(data)
        by_name[name] = data
    _check_keys(by_name.keys(), schema, "the request")
    return Columns({name: by_name[name] for name in names}, rows or 0, _id(request_id), outputs)


def _check_keys(keys: Any, schema: CompiledSchema, where: str) -> None:
    present = set(keys)
    missing = [name for name in schema.names if name not in present]
    if missing:
        raise RequestRejected(
            f"{where} lacks the input `{missing[0]}`"
            + (f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if missing[1:] else "")
            + f"; the model takes {', '.join(schema.names)}",
            field=missing[0],
            rule="required",
        )
    unknown = sorted(present - schema.known) if schema.strict else []
    if unknown:
        raise RequestRejected(
            f"{where} has the column `{unknown[0]}`, which the training schema does not know "
            "(the schema is strict)",
            field=unknown[0],
            rule="strict",
        )


def _requested_outputs(requested: Any) -> tuple[str, ...]:
    if requested is None:
        return OUTPUTS
    if not isinstance(requested, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) for item in requested
    ):
        raise RequestRejected("`outputs` must be a list of {\"name\": ...} objects", status=400,
                              rule="outputs")  # fmt: skip
    names = tuple(item["name"] for item in requested)
    unknown = [name for name in names if name not in OUTPUTS]
    if unknown:
        raise RequestRejected(
            f"unknown output `{unknown[0]}`; the model has {', '.join(OUTPUTS)}",
            status=400,
            field=unknown[0],
            rule="outputs",
        )
    return names


def _shape(tensor: dict[str, Any]) -> list[int]:
    shape = tensor.get("shape")
    name = tensor.get("name")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise RequestRejected(
            f"input `{name}` needs a `shape`: a list of non-negative integers",
            status=400,
            field=name if isinstance(name, str) else None,
            rule="shape",
        )
    datatype = tensor.get("datatype")
    if datatype not in _OIP_DATATYPES:
        raise RequestRejected(
            f"input `{name}` has datatype {datatype!r}, not an Open Inference Protocol datatype",
            status=400,
            field=name if isinstance(name, str) else None,
            rule="datatype",
        )
    return shape


def _flat(tensor: dict[str, Any], shape: list[int]) -> list[Any]:
    """The tensor's data, flat in row-major order (nested lists are flattened)."""
    data = tensor.get("data")
    name = tensor.get("name")
    if not isinstance(data, list):
        raise RequestRejected(f"input `{name}` has no `data` list", status=400, field=name,
                              rule="data")  # fmt: skip
    while data and isinstance(data[0], list):
        data = [item for part in data for item in (part if isinstance(part, list) else [part])]
    if len(data) != math.prod(shape):
        raise RequestRejected(
            f"input `{name}` holds {len(data)} values but its shape {shape} needs "
            f"{math.prod(shape)}",
            status=400,
            field=name,
            rule="shape",
        )
    return data


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --- responses -------------------------------------------------------------------------------


def _datatype(array: np.ndarray) -> str:
    if array.dtype.kind in "iu":
        return "INT64"
    if array.dtype.kind == "f":
        return "FP64"
    if array.dtype.kind == "b":
        return "BOOL"
    return "BYTES"


def encode_oip(
    name: str,
    version: str,
    request_id: str,
    outputs: Sequence[str],
    scores: np.ndarray,
    classes: np.ndarray,
) -> bytes:
    arrays = {"score": scores, "class": classes}
    return orjson.dumps(
        {
            "model_name": name,
            "model_version": version,
            "id": request_id,
            "outputs": [
                {
                    "name": output,
                    "shape": [len(arrays[output])],
                    "datatype": _datatype(arrays[output]),
                    "data": _listable(arrays[output]),
                }
                for output in outputs
            ],
        },
        option=orjson.OPT_SERIALIZE_NUMPY,
    )


def encode_records(
    name: str, version: str, request_id: str, scores: np.ndarray, classes: np.ndarray
) -> bytes:
    return orjson.dumps(
        {
            "model_name": name,
            "model_version": version,
            "id": request_id,
            "scores": scores,
            "classes": _listable(classes),
        },
        option=orjson.OPT_SERIALIZE_NUMPY,
    )


def _listable(array: np.ndarray) -> Any:
    """orjson writes numeric numpy arrays directly; object arrays (string classes) as lists."""
    return array.tolist() if array.dtype.kind == "O" else array


def encode_error(message: str, **extra: Any) -> bytes:
    """The OIP error body, `{"error": "..."}`, with the field and rule when known."""
    return orjson.dumps({"error": message, **{k: v for k, v in extra.items() if v is not None}})


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
