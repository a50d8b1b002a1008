"""moto's DynamoDB and DynamoDB Streams data-plane answers as plain JSON, for in-process simulations only.

Since moto 5.2 every answer is walked member by member along botocore's output shape (aliases,
transformers, per-value type dispatch): for a page of fan items that is most of the call, and in
the backtest it was a quarter of the whole run. For the JSON protocol the walk produces what the
result already is, so these operations are dumped directly: bytes as base64, timestamps as epoch
seconds, absent (None) members left out. Errors, control-plane calls and other services go
through moto's serializer. `tests/unit/test_moto_serialize.py` checks both give the same answers.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from moto.core.responses import ActionContext, ActionResult
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.utilities import dynamo_to_dict
from moto.dynamodb.responses import DynamoResult

_execute_result = ActionResult.execute_result
_dynamo_result = DynamoResult.__init__
PLAIN = {
    "dynamodb": frozenset(
        {
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "BatchWriteItem",
            "TransactGetItems",
            "TransactWriteItems",
        }
    ),
    "dynamodbstreams": frozenset({"GetRecords", "GetShardIterator"}),
}


def _present(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _present(inner) for key, inner in value.items() if inner is not None}
    if isinstance(value, list):
        return [_present(inner) for inner in value]
    return value


def _wire(value: object) -> object:
    if isinstance(value, DynamoType):
        return _attribute(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not part of a DynamoDB answer")


def _attribute(value: DynamoType) -> dict[str, Any]:
    """A stored value as the wire has it: moto keeps a binary as the base64 text it received, or as bytes."""
    if value.type == "B":
        return {"B": _base64(value.value)}
    if value.type == "BS":
        return {"BS": [_base64(inner) for inner in value.value]}
    return {value.type: value.value}


def _base64(value: str | bytes) -> str:
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value


def _untransformed(self: DynamoResult, result: object) -> None:
    ActionResult.__init__(self, result)


def plain_result(self: ActionResult, context: ActionContext) -> Any:
    service = str(context.service_model.service_name)
    result = self.result
    if not isinstance(result, dict) or str(context.operation_model.name) not in PLAIN.get(service, ()):
        if isinstance(self, DynamoResult):
            ActionResult.__init__(self, dynamo_to_dict(result))
        return _execute_result(self, context)
    version = context.service_model.metadata.get("jsonVersion", "1.0")
    headers = {"Content-Type": f"application/x-amz-json-{version}"}
    return 200, headers, json.dumps(_present(result), default=_wire)


def install() -> None:
    """Replace moto's result serialization for these operations in this process."""
    ActionResult.execute_result = plain_result  # type: ignore[method-assign]
    DynamoResult.__init__ = _untransformed  # type: ignore[method-assign]


def uninstall() -> None:
    ActionResult.execute_result = _execute_result  # type: ignore[method-assign]
    DynamoResult.__init__ = _dynamo_result  # type: ignore[method-assign]
