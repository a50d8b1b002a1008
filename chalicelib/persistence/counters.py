"""Stream-kept counters: a batch's increments and its shard's checkpoint in one transaction; sums per bucket.

A shard's items are written by that shard's invocations only (Lambda runs one at a time per shard),
so no two writers contend for an item; the checkpoint's condition (the sequence number read
before) makes a stale or repeated batch fail as a whole instead of counting twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.persistence.models import CounterModel
from chalicelib.persistence.transaction import Transaction, with_retries

CHECKPOINT = "checkpoint"
CHECKPOINT_KEPT = timedelta(days=3)  # a shard is readable for 24 h after it closes
MAX_ITEMS = 100  # TransactWriteItems' limit; one of them is the checkpoint
_KEYS = frozenset({"bucket", "slot"})


def slot(entity: str, shard: str) -> str:
    return f"{entity}#{shard}"


def checkpoint(entity: str, shard: str) -> str | None:
    """The highest sequence number of this shard already counted; None before its first batch."""
    try:
        found = with_retries(lambda: CounterModel.get(CHECKPOINT, slot(entity, shard), consistent_read=True))
    except DoesNotExist:
        return None
    return found.sequence


def add(
    entity: str,
    shard: str,
    increments: Mapping[tuple[str, str], int],
    high_water: str,
    read: str | None,
    now: datetime,
    records: Sequence[tuple[str, Model, Sequence[Action]]] = (),
    expires: Mapping[str, datetime] | None = None,
) -> None:
    """Add every (bucket, counter) increment, apply the `records` updates (name, item, actions) and move the
    checkpoint to `high_water`, all or nothing. A bucket in `expires` gets that `ttl` (others are kept).

    Fails with `transaction.Cancelled` if the checkpoint is no longer `read` (another delivery of the
    shard counted first); at most MAX_ITEMS - 1 buckets and records per call.
    """
    own = slot(entity, shard)
    by_bucket: dict[str, dict[str, int]] = {}
    for (bucket, name), amount in increments.items():
        if amount:
            by_bucket.setdefault(bucket, {})[name] = amount
    if len(by_bucket) + len(records) >= MAX_ITEMS:
        raise ValueError(f"{len(by_bucket)} buckets and {len(records)} records do not fit one transaction")
    tx = Transaction()
    for bucket, names in sorted(by_bucket.items()):
        actions: list[Action] = [Path(name).add(amount) for name, amount in sorted(names.items())]
        if expires and bucket in expires:
            actions.append(CounterModel.ttl.set(expires[bucket]))
        tx.update(bucket, CounterModel(bucket, own), actions)
    for name, item, record_actions in records:
        tx.update(name, item, record_actions)
    marker = CounterModel(CHECKPOINT, own, sequence=high_water, ttl=now + CHECKPOINT_KEPT)
    unchanged = CounterModel.bucket.does_not_exist() if read is None else CounterModel.sequence == read
    tx.put(CHECKPOINT, marker, condition=unchanged)
    tx.commit()


def totals(bucket: str) -> dict[str, int]:
    """Every counter of the bucket summed over the shards' items (one query; the attributes are dynamic)."""
    connection = CounterModel._get_connection()
    summed: dict[str, int] = {}
    start: dict[str, object] | None = None
    while True:
        page = with_retries(partial(connection.query, bucket, consistent_read=True, exclusive_start_key=start))
        for item in page.get("Items", []):
            for name, value in item.items():
                if name not in _KEYS and "N" in value:
                    summed[name] = summed.get(name, 0) + int(value["N"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return summed


def bump(bucket: str, own_slot: str, name: str, amount: int) -> None:
    """Add to one counter of this process's own item (not stream-kept: no checkpoint, at least once)."""
    with_retries(lambda: CounterModel(bucket, own_slot).update([Path(name).add(amount)]))
