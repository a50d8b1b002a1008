"""DynamoDB stream batches: one dispatcher, pluggable consumers per table, Powertools' partial-failure response.

Each table's stream Lambda (app.py) hands its batch here. Every consumer registered for the table
sees every record twice over: `take` decides the record's effects (decoding, deriving) and may
raise, which fails only that record; `flush` then applies the whole batch's effects at once (ten
events per PutEvents, one write for many counters) and names the records whose effects did not
land. Both kinds of failure are reported as `batchItemFailures`, so Lambda retries from the
first failed record (earlier ones are checkpointed) and, with bisection on, isolates a poison one.

A failed record is delivered again to every consumer, and records after it may be too: each
consumer's effect must be idempotent (outgoing events carry stable ids; the KPI counters skip
records at or below their shard's checkpoint). Consumers are made per batch for its shard:
`shardId` is in the event when the mapping has a tumbling window (infra/resources.json), and such
an event's response must carry a `state`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.observability import count, logger
from chalicelib.persistence import stream_images
from chalicelib.services import counting, event_publishing

Record = Mapping[str, Any]


class Consumer(Protocol):
    def take(self, record: Record) -> None:
        """Decide this record's effects; raising fails this record only."""

    def flush(self) -> set[str]:
        """Apply the batch's effects; the sequence numbers of the records whose effects failed."""


Factory = Callable[[str | None], Consumer]  # made for the batch's shard (None when the event names none)

# Counters come first: a record they took is counted even if a later consumer fails it.
CONSUMERS: Mapping[str, Sequence[Factory]] = {
    "fans": (counting.fan_counters, event_publishing.fan_events),
    "ledger": (counting.ledger_counters, event_publishing.ledger_events),
    "redemptions": (counting.redemption_counters, event_publishing.redemption_events),
    "webhook-deliveries": (counting.delivery_counters,),
}


class EffectFailed(Exception):
    """A consumer's batched effect for this record did not land (e.g. the bus refused an event)."""


class _Batch:
    """The consumers of one invocation, created for the tables its records come from."""

    def __init__(self, consumers: Mapping[str, Sequence[Factory]], shard: str | None) -> None:
        self._factories, self._shard = consumers, shard
        self._active: dict[str, list[Consumer]] = {}
        self.not_taken: set[str] = set()

    def take(self, record: DynamoDBRecord) -> None:
        raw = record.raw_event
        entity = stream_images.table_entity(raw)
        if entity is None:
            return
        if entity not in self._active:
            self._active[entity] = [factory(self._shard) for factory in self._factories.get(entity, ())]
        try:
            for consumer in self._active[entity]:
                consumer.take(raw)
        except Exception:
            seq = stream_images.sequence_number(raw)
            self.not_taken.add(seq)
            logger.exception("stream record failed", extra={"table": entity, "sequence_number": seq})
            raise

    def flush(self) -> set[str]:
        return {seq for consumers in self._active.values() for consumer in consumers for seq in consumer.flush()}


def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    """Process one stream batch; the response names the records to deliver again (none when all landed)."""
    records = list(event.get("Records", []))
    shard = event.get("shardId")
    batch = _Batch(CONSUMERS, str(shard) if shard else None)
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(records, batch.take):
        processor.process()
        for seq in sorted(batch.flush() - batch.not_taken):
            raw = next(r for r in records if stream_images.sequence_number(r) == seq)
            error = EffectFailed(f"the effects of record {seq} did not land")
            processor.failure_handler(DynamoDBRecord(raw), (EffectFailed, error, None))
    failures = len(processor.fail_messages)
    if failures:
        count("StreamRecordsFailed", failures)
        logger.warning("stream records to deliver again", extra={"failed": failures, "records": len(records)})
    response: PartialItemFailureResponse = processor.response()
    return {**response, "state": {}} if "window" in event else dict(response)
