"""The floor: the exact DynamoDB requests a route sent, replayed with a bare boto3 client.

A mirror of every app table (same schema, another prefix) is filled with the same items before a
measurement. Each request the app sent is replayed on the mirror right after it, so both see the
same state and every condition decides the same way: the floor is what the route's storage work
costs on this moto, with none of the app's code around it.

moto copies every table a `TransactWriteItems` touches, so its cost grows with table size. Items
created during a measurement are therefore deleted again (outside the timed region) from both the
app's tables and the mirror, keeping the tables at their seeded size for route and floor alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from bench.counting import Request

Item = dict[str, Any]
Call = tuple[Callable[..., Any], dict[str, Any]]
# What a replay may legitimately answer: the same refusals the app got (duplicates, replays, stale guesses).
REFUSALS = frozenset({"TransactionCanceledException", "ConditionalCheckFailedException"})


class FloorDiverged(AssertionError):
    """The mirror no longer holds what the app's tables hold, so the floor would not be comparable."""


class Mirror:
    def __init__(self, app_prefix: str, prefix: str = "floor", region: str = "us-east-1") -> None:
        import boto3

        self.client: Any = boto3.client("dynamodb", region_name=region)
        self.app_prefix, self.prefix = app_prefix + "-", prefix + "-"
        self.key_names: dict[str, list[str]] = {}
        self.baseline: set[tuple[str, str]] = set()
        for name in self.client.list_tables()["TableNames"]:
            if name.startswith(self.app_prefix):
                self._create_like(name)

    def _create_like(self, name: str) -> None:
        table = self.client.describe_table(TableName=name)["Table"]
        self.key_names[name] = [k["AttributeName"] for k in table["KeySchema"]]
        spec: dict[str, Any] = {
            "TableName": self.mirrored(name),
            "KeySchema": table["KeySchema"],
            "AttributeDefinitions": table["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        indexes = table.get("GlobalSecondaryIndexes")
        if indexes:
            spec["GlobalSecondaryIndexes"] = [
                {k: index[k] for k in ("IndexName", "KeySchema", "Projection")} for index in indexes
            ]
        self.client.create_table(**spec)

    def mirrored(self, name: str) -> str:
        return self.prefix + name[len(self.app_prefix) :] if name.startswith(self.app_prefix) else name

    def _scan(self, table: str) -> Iterator[Item]:
        for page in self.client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            yield from page["Items"]

    def _key(self, table: str, item: Item) -> Item:
        return {name: item[name] for name in self.key_names[table]}

    def sync(self) -> None:
        """Make the mirror hold exactly the app's items; those items are the baseline `trim` keeps."""
        self.baseline.clear()
        for table in self.key_names:
            mirror = self.mirrored(table)
            self._write(mirror, [{"DeleteRequest": {"Key": self._key(table, i)}} for i in self._scan(mirror)])
            items = list(self._scan(table))
            self._write(mirror, [{"PutRequest": {"Item": i}} for i in items])
            self.baseline.update((table, _ident(self._key(table, i))) for i in items)

    def _write(self, table: str, requests: list[Item]) -> None:
        for start in range(0, len(requests), 25):
            self.client.batch_write_item(RequestItems={table: requests[start : start + 25]})

    def prepare(self, requests: list[Request]) -> list[Call]:
        """The boto3 calls that repeat `requests` on the mirror (decoded before timing starts)."""
        from botocore import xform_name

        return [(getattr(self.client, xform_name(r.operation)), self._rename(json.loads(r.body))) for r in requests]

    @staticmethod
    def replay(calls: list[Call]) -> None:
        for method, params in calls:
            try:
                method(**params)
            except Exception as error:
                if _error_code(error) not in REFUSALS:
                    raise

    def _rename(self, value: Any) -> Any:
        if isinstance(value, dict):
            renamed = {k: self.mirrored(v) if k == "TableName" else self._rename(v) for k, v in value.items()}
            if "RequestItems" in value:
                renamed["RequestItems"] = {self.mirrored(t): self._rename(v) for t, v in value["RequestItems"].items()}
            return renamed
        if isinstance(value, list):
            return [self._rename(v) for v in value]
        return value

    def trim(self, requests: list[Request]) -> None:
        """Delete the items `requests` created, from the app's tables and the mirror alike."""
        created: dict[tuple[str, str], Item] = {}
        for request in requests:
            for table, key in self._written(request):
                ident = (table, _ident(key))
                if ident not in self.baseline:
                    created[ident] = key
        deletes: dict[str, list[Item]] = {}
        for (table, _), key in created.items():
            for name in (table, self.mirrored(table)):
                deletes.setdefault(name, []).append({"DeleteRequest": {"Key": key}})
        for name, table_deletes in deletes.items():
            self._write(name, table_deletes)

    def _written(self, request: Request) -> Iterator[tuple[str, Item]]:
        body = json.loads(request.body)
        operations = [next(iter(t.items())) for t in body.get("TransactItems", [])]
        if request.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            operations = [(request.operation[:-4], body)]
        for kind, op in operations:
            if kind == "Put":
                yield op["TableName"], self._key(op["TableName"], op["Item"])
            elif kind in ("Update", "Delete"):
                yield op["TableName"], op["Key"]

    def verify(self) -> None:
        """Raise if the mirror and the app's tables hold different items."""
        for table in self.key_names:
            app = sorted(json.dumps(i, sort_keys=True) for i in self._scan(table))
            floor = sorted(json.dumps(i, sort_keys=True) for i in self._scan(self.mirrored(table)))
            if app != floor:
                raise FloorDiverged(f"{table}: {len(app)} items in the app's table, {len(floor)} in the mirror")


def _ident(key: Item) -> str:
    return json.dumps(key, sort_keys=True)


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None
