"""A local stand-in for Lambda's DynamoDB event source mappings (moto has streams but runs no mappings).

It reads each table's stream the app handles (`app.event_sources`: the table is in the ARN its
`on_dynamodb_record` declares) and invokes that handler with Lambda-shaped batches, through the
caller's `invoke` (chalice's test client: the same handler, middleware and all), naming the shard
as a mapping with a tumbling window does (`shardId`: the KPI counters checkpoint per shard). As a mapping
with ReportBatchItemFailures does, a response naming failed records moves the checkpoint to just
before the first of them, so it and the records after it are delivered again on the next pass;
a record that has failed `max_attempts` times is given up (deployed: it goes to the failure
queue) and listed in `given_up`.

Used by `make run` (tools/local_streams.py) and the tests (tests/events.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from chalice.app import Chalice, DynamoDBEventConfig

Invoke = Callable[[str, dict[str, Any]], Any]  # (handler name, event) -> the handler's response


@dataclass(frozen=True)
class Source:
    handler: str
    table: str


def sources(app: Chalice) -> list[Source]:
    """Each stream handler with the table named in the stream ARN it declares."""
    return [
        Source(config.name, config.stream_arn.split(":table/", 1)[1].split("/", 1)[0])
        for config in app.event_sources
        if isinstance(config, DynamoDBEventConfig)
    ]


@dataclass(frozen=True)
class Delivery:
    handler: str
    sequence_numbers: tuple[str, ...]
    failed: tuple[str, ...]


@dataclass
class StreamPump:
    invoke: Invoke
    sources: Sequence[Source]
    batch_size: int = 100
    max_attempts: int = 3
    given_up: list[tuple[str, str]] = field(default_factory=list)
    _after: dict[tuple[str, str], str] = field(default_factory=dict)
    _attempts: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._tables = boto3.client("dynamodb")
        self._streams = boto3.client("dynamodbstreams")

    def pump(self) -> list[Delivery]:
        """One pass: at most one batch per shard of each source's stream."""
        deliveries = []
        for source in self.sources:
            arn = self._tables.describe_table(TableName=source.table)["Table"]["LatestStreamArn"]
            for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                delivery = self._deliver(source.handler, arn, shard["ShardId"])
                if delivery is not None:
                    deliveries.append(delivery)
        return deliveries

    def drain(self, max_passes: int = 100) -> list[Delivery]:
        """Pass until no stream has records left (failures are retried up to `max_attempts`)."""
        deliveries: list[Delivery] = []
        for _ in range(max_passes):
            delivered = self.pump()
            if not delivered:
                return deliveries
            deliveries += delivered
        raise RuntimeError(f"the streams still had records after {max_passes} passes")

    def _deliver(self, handler: str, arn: str, shard: str) -> Delivery | None:
        position = self._after.get((arn, shard))
        start: dict[str, Any] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
            if position
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **start)["ShardIterator"]
        records = self._streams.get_records(ShardIterator=iterator, Limit=self.batch_size)["Records"]
        if not records:
            return None
        response = self.invoke(handler, batch_event(records, arn, shard)) or {}
        sequence = [record["dynamodb"]["SequenceNumber"] for record in records]
        failed = tuple(str(item["itemIdentifier"]) for item in response.get("batchItemFailures", []))
        self._checkpoint(arn, shard, sequence, failed)
        return Delivery(handler, tuple(sequence), failed)

    def _checkpoint(self, arn: str, shard: str, sequence: list[str], failed: tuple[str, ...]) -> None:
        if not failed:
            self._after[(arn, shard)] = sequence[-1]
            return
        first = min(failed, key=int)
        attempts = self._attempts.get((arn, first), 0) + 1
        self._attempts[(arn, first)] = attempts
        index = sequence.index(first)
        if attempts >= self.max_attempts:
            self.given_up.append((arn, first))
            self._after[(arn, shard)] = first
        elif index > 0:
            self._after[(arn, shard)] = sequence[index - 1]


def batch_event(records: list[dict[str, Any]], stream_arn: str, shard: str) -> dict[str, Any]:
    """A batch as a mapping with a tumbling window delivers it: its records, and its shard named."""
    return {
        "Records": [lambda_shaped(record, stream_arn) for record in records],
        "shardId": shard,
        "eventSourceARN": stream_arn,
    }


def lambda_shaped(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: with its stream's ARN, the creation time in epoch seconds."""
    images = dict(record["dynamodb"])
    images["ApproximateCreationDateTime"] = images["ApproximateCreationDateTime"].timestamp()
    return {**record, "dynamodb": images, "eventSourceARN": stream_arn}
