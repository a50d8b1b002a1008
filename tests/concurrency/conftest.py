"""Concurrency tests on a serialised moto: one lock around moto's request processing.

moto's DynamoDB is not thread-safe (it oversells and loses writes under concurrent
transactions), so without the lock these tests would measure moto's races. With it, requests
interleave between DynamoDB calls exactly as they would against a real table, which proves our
conditions; it does not reproduce real DynamoDB's TransactionConflict (the fault tests inject that).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

_moto_lock = threading.Lock()


@pytest.fixture(autouse=True)
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with _moto_lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", locked)
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", _check_then_apply)
    yield


_transact_write_items = DynamoDBBackend.transact_write_items


def _check_then_apply(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems without its deep copy of every table it touches.

    moto snapshots whole tables to roll back a cancelled transaction, which costs O(table size)
    per call and made a 1,000-delivery test take many minutes. With requests serialised, every
    condition is evaluated against the state before the transaction (items in one transaction
    are distinct), then either all operations apply or none does, with the cancellation reasons
    moto itself would give. Anything unusual goes to moto's own implementation.
    """
    reasons: list[tuple[str | None, str | None, Any]] = []
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"} or len(entry) != 1:
            return _transact_write_items(self, transact_items)
        table = self.get_table(op["TableName"])
        item_key = op["Item"] if op_type == "Put" else op["Key"]
        key = {k: item_key[k] for k in (table.hash_key_attr, table.range_key_attr) if k is not None}
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if condition is None or get_filter_expression(condition, names, values).expr(current):
            reasons.append((None, None, None))
            continue
        wants_old = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
        old = current.to_json()["Attributes"] if current and wants_old else None
        reasons.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if op_type == "Put":
            self.put_item(op["TableName"], op["Item"])
        elif op_type == "Delete":
            self.delete_item(op["TableName"], op["Key"])
        elif op_type == "Update":
            self.update_item(
                op["TableName"],
                op["Key"],
                update_expression=op["UpdateExpression"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )
    return None

