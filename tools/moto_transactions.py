"""moto's TransactWriteItems without its copy of every table it touches, for serialised moto only.

moto snapshots whole tables to roll back a cancelled transaction: O(table size) per call, which
made a 1,000-delivery test take minutes and a 100,000-fan benchmark impossible. Where requests
are serialised (tools/serialised_moto.py, the concurrency tests, the benchmarks), conditions can
be checked first and the operations applied after, with the same outcome and cancellation reasons.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

_transact_write_items = DynamoDBBackend.transact_write_items


def check_then_apply(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """Every condition against the state before the transaction (its items are distinct), then all
    operations or none; anything unusual goes to moto's own implementation."""
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


def install() -> None:
    """Replace moto's implementation in this process; only valid while its requests are serialised."""
    DynamoDBBackend.transact_write_items = check_then_apply  # type: ignore[method-assign]
