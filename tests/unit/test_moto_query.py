"""The simulator's partition Query answers every page exactly as moto's own Query does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import moto_query

QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "b = :b", "ExpressionAttributeValues": {":b": {"S": "bucket-3"}}},
    {"KeyConditionExpression": "b = :b", "ExpressionAttributeValues": {":b": {"S": "absent"}}},
    {
        "KeyConditionExpression": "b = :b AND s BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {":b": {"S": "bucket-1"}, ":lo": {"S": "s-03"}, ":hi": {"S": "s-11"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "b = :b AND begins_with(s, :p)",
        "FilterExpression": "n > :n",
        "ExpressionAttributeValues": {":b": {"S": "bucket-2"}, ":p": {"S": "s-1"}, ":n": {"N": "20"}},
    },
    {"KeyConditionExpression": "b = :b", "ExpressionAttributeValues": {":b": {"S": "bucket-0"}}, "Limit": 4},
    {
        "IndexName": "by-n",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "even"}},
        "Limit": 7,
    },
]


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "b", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "b", "AttributeType": "S"},
                {"AttributeName": "s", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-n",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in range(60):
            item = {"b": {"S": f"bucket-{n % 4}"}, "s": {"S": f"s-{(n * 7) % 15:02d}"}, "n": {"N": str(n)}}
            db.put_item(TableName="t", Item=item | {"g": {"S": "even" if n % 2 == 0 else "odd"}})
        yield db


def _pages(db: Any, query: dict[str, Any]) -> list[tuple[list[Any], int, Any]]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = db.query(TableName="t", **query, **extra)
        start = answer.get("LastEvaluatedKey")
        pages.append((answer["Items"], answer["ScannedCount"], start))
        if not start:
            return pages


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_count_and_cursor_match_motos(client: Any, query: dict[str, Any]) -> None:
    expected = _pages(client, query)
    moto_query.install()
    try:
        found = _pages(client, query)
    finally:
        moto_query.uninstall()
    assert found == expected
    assert any(items for items, _, _ in expected) or "absent" in str(query)
