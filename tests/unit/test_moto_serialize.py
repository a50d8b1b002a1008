"""The simulator's plain-JSON answers, and its direct parse of attribute values, give exactly what moto's
serializer and botocore's parser give for the same calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.moto_tables import one_key_table
from tools import attribute_parse, moto_serialize

Call = Callable[[Any, Any], Any]
DROP = {"ResponseMetadata"}
B_ITEM = {"id": {"S": "b"}, "flag": {"BOOL": False}, "b": {"B": b"\x00\xff"}}


def _calls() -> list[Call]:
    """Every plain operation (writes that answer the same when repeated), with binary, set, nested, numeric,
    empty and paged answers and a stream read."""
    key = {"id": {"S": "a"}}
    return [
        lambda db, _: db.get_item(TableName="t", Key=key, ConsistentRead=True),
        lambda db, _: db.get_item(TableName="t", Key={"id": {"S": "absent"}}),
        lambda db, _: db.query(
            TableName="t", KeyConditionExpression="id = :i", ExpressionAttributeValues={":i": key["id"]}
        ),
        lambda db, _: db.scan(TableName="t", Limit=2),
        lambda db, _: db.scan(TableName="t", Segment=0, TotalSegments=2),
        lambda db, _: db.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": "8"}},
            ReturnValues="ALL_NEW",
        ),
        lambda db, _: db.put_item(TableName="t", Item=B_ITEM, ReturnValues="ALL_OLD"),
        lambda db, _: _put_then_delete(db),
        lambda db, _: db.batch_get_item(RequestItems={"t": {"Keys": [key, {"id": {"S": "b"}}]}}),
        lambda db, _: db.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": {"id": {"S": "d"}}}}]}),
        lambda db, _: db.transact_get_items(TransactItems=[{"Get": {"TableName": "t", "Key": key}}]),
        lambda db, _: db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {"id": {"S": "e"}}}}]),
        lambda db, streams: streams.get_records(ShardIterator=_iterator(db, streams)),
    ]


def _put_then_delete(db: Any) -> Any:
    db.put_item(TableName="t", Item={"id": {"S": "c"}, "b": {"B": b"\x00\xff"}})
    return db.delete_item(TableName="t", Key={"id": {"S": "c"}}, ReturnValues="ALL_OLD")


def _iterator(db: Any, streams: Any) -> str:
    arn = db.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    found = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return str(found["ShardIterator"])


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        one_key_table(db, stream=True)
        nested = {
            "M": {
                "l": {"L": [{"N": "1.5"}, {"S": "x"}, {"NULL": True}, {"B": b"\x02"}]},
                "ss": {"SS": ["p", "q"]},
                "ns": {"NS": ["1", "2.5"]},
                "bm": {"M": {"B": {"B": b"\x03"}}},
            }
        }
        db.put_item(TableName="t", Item={"id": {"S": "a"}, "n": {"N": "7"}, "m": nested, "bs": {"BS": [b"\x01"]}})
        db.put_item(TableName="t", Item=B_ITEM)
        yield db, boto3.client("dynamodbstreams", region_name="us-east-1")


SHORTCUTS = {"serialize": (moto_serialize,), "parse": (attribute_parse,), "both": (moto_serialize, attribute_parse)}


@pytest.mark.parametrize("shortcuts", SHORTCUTS)
@pytest.mark.parametrize("index", range(len(_calls())))
def test_each_answer_parses_as_motos_and_botocores_do(clients: tuple[Any, Any], index: int, shortcuts: str) -> None:
    db, streams = clients
    call = _calls()[index]
    try:
        for shortcut in SHORTCUTS[shortcuts]:
            shortcut.install()
        plain = _answer(call, db, streams)
    finally:
        for shortcut in SHORTCUTS[shortcuts]:
            shortcut.uninstall()
    assert _answer(call, db, streams) == plain


def test_attribute_values_are_parsed_without_botocores_walk(
    clients: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = clients
    walked: list[str] = []

    def botocore(parser: Any, shape: Any, node: Any) -> Any:
        walked.append(shape.name)
        return parse_shape(parser, shape, node)

    parse_shape = attribute_parse._parse_shape
    monkeypatch.setattr(attribute_parse, "_parse_shape", botocore)
    attribute_parse.install()
    try:
        item = db.get_item(TableName="t", Key={"id": {"S": "a"}})["Item"]
    finally:
        attribute_parse.uninstall()
    assert item["bs"] == {"BS": [b"\x01"]}
    assert "AttributeValue" not in walked and "GetItemOutput" in walked


def test_errors_and_other_operations_keep_motos_serializer(clients: tuple[Any, Any]) -> None:
    db, _ = clients
    moto_serialize.install()
    try:
        with pytest.raises(db.exceptions.ConditionalCheckFailedException):
            db.put_item(TableName="t", Item={"id": {"S": "a"}}, ConditionExpression="attribute_not_exists(id)")
        created = db.describe_table(TableName="t")["Table"]["CreationDateTime"]
    finally:
        moto_serialize.uninstall()
    assert created == db.describe_table(TableName="t")["Table"]["CreationDateTime"]


def _answer(call: Call, db: Any, streams: Any) -> Any:
    """The parsed answer without request metadata; stream sequence numbers and times vary between reads."""
    answer = {k: v for k, v in call(db, streams).items() if k not in DROP}
    for record in answer.get("Records", []):
        record.pop("eventID", None)
        record["dynamodb"].pop("ApproximateCreationDateTime")
    answer.pop("NextShardIterator", None)
    return answer
