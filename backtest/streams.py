"""The stream pump of `tools/stream_pump.py`, keeping its place in each shard between drains.

The backtest drains every simulated 5 minutes, thousands of times: describing tables and streams and
asking for a fresh iterator at every pass would be most of the run's moto calls. This pump learns each
stream's shards once and reads on from the `NextShardIterator` it was given; after a batch reports
failures it asks for an iterator at the checkpoint, exactly as the base pump does. Its events name the
shard as the base pump's do (a tumbling-window mapping's `shardId`): without it the stream counters,
which checkpoint per shard, count nothing. After each drain the records behind every checkpoint are
let go of (`tools.moto_streams`), as DynamoDB trims a stream after 24 hours, and a shard with nothing
after its checkpoint is not read at all: half the reads of a run found nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools import moto_streams
from tools.stream_pump import Delivery, StreamPump, batch_event


@dataclass
class SteadyPump(StreamPump):
    _shards: list[tuple[str, str, str]] = field(default_factory=list)  # (handler, stream ARN, shard id)
    _iterators: dict[tuple[str, str], str] = field(default_factory=dict)

    def drain(self, max_passes: int = 100) -> list[Delivery]:
        deliveries = super().drain(max_passes)
        region = self._streams.meta.region_name
        for (arn, _), through in self._after.items():
            moto_streams.release(region, _table(arn), through, set(self._iterators.values()))
        return deliveries

    def pump(self) -> list[Delivery]:
        if not self._shards:
            for source in self.sources:
                arn = self._tables.describe_table(TableName=source.table)["Table"]["LatestStreamArn"]
                shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
                self._shards += [(source.handler, arn, shard["ShardId"]) for shard in shards]
        deliveries = []
        for handler, arn, shard in self._shards:
            while (delivery := self._deliver(handler, arn, shard)) is not None:
                deliveries.append(delivery)
                if delivery.failed:
                    break  # redelivered at the next pass, as a mapping retries
        return deliveries

    def _deliver(self, handler: str, arn: str, shard: str) -> Delivery | None:
        if not moto_streams.unread(self._streams.meta.region_name, _table(arn), self._after.get((arn, shard))):
            return None  # nothing after the checkpoint: no read, as a mapping's poll finding nothing changes nothing
        iterator = self._iterators.pop((arn, shard), None) or self._iterator_at_checkpoint(arn, shard)
        answer = self._streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
        records: list[dict[str, Any]] = answer["Records"]
        if not records:
            self._iterators[(arn, shard)] = answer["NextShardIterator"]
            return None
        response = self.invoke(handler, batch_event(records, arn, shard)) or {}
        sequence = [record["dynamodb"]["SequenceNumber"] for record in records]
        failed = tuple(str(item["itemIdentifier"]) for item in response.get("batchItemFailures", []))
        self._checkpoint(arn, shard, sequence, failed)
        if not failed:
            self._iterators[(arn, shard)] = answer["NextShardIterator"]
        return Delivery(handler, tuple(sequence), failed)

    def _iterator_at_checkpoint(self, arn: str, shard: str) -> str:
        position = self._after.get((arn, shard))
        start: dict[str, Any] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
            if position
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        return str(self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **start)["ShardIterator"])


def _table(stream_arn: str) -> str:
    return stream_arn.split(":table/", 1)[1].split("/", 1)[0]
