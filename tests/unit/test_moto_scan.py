"""The benchmarks' O(page) Scan answers every page exactly as moto's own Scan does."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import Table

from tests.moto_tables import one_key_table
from tools import moto_scan


def _pages(client: Any, segment: int, total: int, limit: int) -> list[tuple[list[str], Any]]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = client.scan(TableName="t", Segment=segment, TotalSegments=total, Limit=limit, **extra)
        start = answer.get("LastEvaluatedKey")
        pages.append(([item["id"]["S"] for item in answer["Items"]], start))
        if not start:
            return pages


@pytest.mark.parametrize(("total", "limit"), [(4, 7), (3, 50), (1, 100), (2, 1)])
def test_every_page_and_cursor_match_motos(monkeypatch: pytest.MonkeyPatch, total: int, limit: int) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        one_key_table(client)
        for n in range(203):
            client.put_item(TableName="t", Item={"id": {"S": f"fan-{(n * 37) % 203:04d}"}, "n": {"N": str(n)}})
        moto_pages = [_pages(client, s, total, limit) for s in range(total)]
        monkeypatch.setattr(Table, "scan", moto_scan.fast_scan)

        def whole_table(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a plain segmented scan fell back to moto's O(table) pages")

        monkeypatch.setattr(moto_scan, "_scan", whole_table)
        assert [_pages(client, s, total, limit) for s in range(total)] == moto_pages
        client.put_item(TableName="t", Item={"id": {"S": "fan-new"}})  # a new key is seen on the next scan
        seen = [key for s in range(total) for keys, _ in _pages(client, s, total, limit) for key in keys]
        assert sorted(seen) == sorted([f"fan-{n:04d}" for n in range(203)] + ["fan-new"])
