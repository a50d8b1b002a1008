"""Stream records already consumed, let go of: for in-process simulations only.

moto keeps every DynamoDB Streams record of a table for as long as the table lives, with both
images as JSON; DynamoDB trims them after 24 hours. Over a 28-day backtest that is some 130,000
records, most of a 3 GB process, and every garbage collection walks them. `release` replaces the
records at or before a shard's checkpoint with None: a mapping never reads behind its checkpoint,
and positions (moto's sequence numbers are list indexes) stay where they were. It also forgets the
shard iterators moto keeps for every read, except those still to be used. `unread` says whether a
read after a checkpoint would find anything, so that a quiet shard costs no call.
`tests/unit/test_moto_streams.py` checks reads after the checkpoint answer as before.
"""

from __future__ import annotations

from collections.abc import Collection

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodbstreams.models import dynamodbstreams_backends


def unread(region: str, table: str, after: str | None) -> bool:
    """Whether `table`'s stream holds a record after sequence number `after` (None: before the first)."""
    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table).stream_shard
    if shard is None or not shard.items:
        return False
    return after is None or shard.starting_sequence_number + len(shard.items) - 1 > int(after)


def release(region: str, table: str, through: str, keep_iterators: Collection[str]) -> int:
    """Let go of `table`'s stream records up to sequence number `through`; how many were let go now."""
    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table).stream_shard
    if shard is None:
        return 0
    last = min(int(through) - shard.starting_sequence_number, len(shard.items) - 1)
    released = 0
    for index in range(last, -1, -1):
        if shard.items[index] is None:
            break
        shard.items[index] = None  # type: ignore[call-overload]
        released += 1
    iterators = dynamodbstreams_backends[DEFAULT_ACCOUNT_ID][region].shard_iterators
    for arn in [arn for arn in iterators if arn not in keep_iterators]:
        del iterators[arn]
    return released
