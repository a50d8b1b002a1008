"""Letting go of consumed stream records: reads after the checkpoint answer as before, nothing behind it is kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from tests.moto_tables import one_key_table
from tools import moto_streams

REGION = "us-east-1"


@pytest.fixture
def stream() -> Iterator[tuple[Any, str, str]]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name=REGION)
        arn = one_key_table(db, "k", stream=True)["TableDescription"]["LatestStreamArn"]
        for n in range(10):
            db.put_item(TableName="t", Item={"k": {"S": f"k{n}"}})
        streams = boto3.client("dynamodbstreams", region_name=REGION)
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        yield streams, arn, shard


def after(streams: Any, arn: str, shard: str, sequence: str) -> list[str]:
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=sequence
    )["ShardIterator"]
    return [r["dynamodb"]["Keys"]["k"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]]


def test_records_after_the_checkpoint_read_as_before_and_those_behind_it_are_let_go(stream):
    streams, arn, shard = stream
    first = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=first["ShardIterator"], Limit=4)
    checkpoint = records["Records"][-1]["dynamodb"]["SequenceNumber"]
    before = after(streams, arn, shard, checkpoint)
    assert moto_streams.release(REGION, "t", checkpoint, {records["NextShardIterator"]}) == 4
    assert after(streams, arn, shard, checkpoint) == before == [f"k{n}" for n in range(4, 10)]
    kept = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table("t").stream_shard.items
    assert [item is None for item in kept] == [True] * 4 + [False] * 6
    assert moto_streams.release(REGION, "t", checkpoint, set()) == 0  # already let go: nothing more


def test_only_the_iterators_still_to_be_used_are_kept(stream):
    streams, arn, shard = stream
    first = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    answer = streams.get_records(ShardIterator=first["ShardIterator"], Limit=2)
    through = answer["Records"][-1]["dynamodb"]["SequenceNumber"]
    moto_streams.release(REGION, "t", through, {answer["NextShardIterator"]})
    following = streams.get_records(ShardIterator=answer["NextShardIterator"], Limit=2)["Records"]
    assert [r["dynamodb"]["Keys"]["k"]["S"] for r in following] == ["k2", "k3"]
    with pytest.raises(KeyError):  # forgotten
        streams.get_records(ShardIterator=first["ShardIterator"])


def test_unread_says_whether_a_read_after_a_position_finds_a_record(stream):
    streams, arn, shard = stream
    first = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=first["ShardIterator"])["Records"]
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert moto_streams.unread(REGION, "t", None)
    assert [moto_streams.unread(REGION, "t", s) for s in sequences] == [
        bool(after(streams, arn, shard, s)) for s in sequences
    ]
    assert not moto_streams.unread(REGION, "t", sequences[-1])
    moto_streams.release(REGION, "t", sequences[-1], set())
    assert not moto_streams.unread(REGION, "t", sequences[-1])  # let go of, still counted as read
    boto3.client("dynamodb", region_name=REGION).put_item(TableName="t", Item={"k": {"S": "new"}})
    assert moto_streams.unread(REGION, "t", sequences[-1]) and after(streams, arn, shard, sequences[-1]) == ["new"]
