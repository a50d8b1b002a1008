"""Stream consumers keeping the KPI day counters, exactly once in effect (docs/kpis.md#counters).

A batch's increments are summed per (bucket, counter) and written in one transaction with the
shard's checkpoint, conditioned on the checkpoint read first: records at or below it were counted
by an earlier delivery and are skipped. So a re-delivered batch, a retry from a failed record and
a bisected half add nothing twice, and a crash before the commit added nothing at all. Two
requests per batch (one read, one transaction), whatever its size.

The fans stream's records for the per-fan user rules (services/user_signals.py) ride in the same
transaction: exactly once, in the shard's order, at no extra request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chalicelib import clock
from chalicelib.domain.kpis import counting
from chalicelib.domain.risk import signals
from chalicelib.observability import count, logger
from chalicelib.persistence import counters, stream_images
from chalicelib.persistence.transaction import Cancelled
from chalicelib.services import user_signals
from chalicelib.settings import get_settings

Record = Mapping[str, Any]
Found = list[user_signals.Found]
Derive = Callable[[Record], tuple[Counter[counting.Key], Found]]
Taken = tuple[str, Counter[counting.Key], Found]
ATTEMPTS = 3  # a moved checkpoint means another delivery of the shard raced this one: read it again


class Counting:
    """A `streams.Consumer` for one table's shard; `shard` None (no tumbling window on the mapping) counts nothing."""

    def __init__(self, entity: str, shard: str | None, derive: Derive) -> None:
        self._entity, self._shard, self._derive = entity, shard, derive
        self._taken: list[Taken] = []
        self._stopped = False

    def take(self, record: Record) -> None:
        """Records after one that cannot be derived are left uncounted: Lambda delivers them again from it."""
        if self._stopped:
            return
        try:
            counts, found = self._derive(record)
        except Exception:
            self._stopped = True
            raise
        self._taken.append((stream_images.sequence_number(record), counts, found))

    def flush(self) -> set[str]:
        taken, self._taken = self._taken, []
        if not any(counts or found for _, counts, found in taken):
            return set()  # nothing to count: redelivered, these records would add nothing either
        if self._shard is None:
            logger.error("stream batch without a shard id: counters not kept", extra={"table": self._entity})
            count("CountersSkipped", len(taken))
            return set()
        try:
            self._commit(self._shard, taken)
        except Exception:
            logger.exception("counters not written", extra={"table": self._entity, "records": len(taken)})
            count("CountersNotWritten", len(taken))
            return {seq for seq, _, _ in taken}
        return set()

    def _commit(self, shard: str, taken: list[Taken]) -> None:
        for attempt in range(ATTEMPTS):
            read = counters.checkpoint(self._entity, shard)
            fresh = [record for record in taken if counting.is_after(record[0], read)]
            try:
                for chunk in _chunks(fresh):
                    summed = _summed(counts for _, counts, _ in chunk)
                    records = user_signals.updates(item for _, _, found in chunk for item in found)
                    expires = user_signals.expiries(bucket for bucket, _ in summed)
                    counters.add(self._entity, shard, summed, chunk[-1][0], read, clock.now(), records, expires)
                    read = chunk[-1][0]
            except Cancelled:
                if attempt + 1 == ATTEMPTS:
                    raise
                continue
            if len(fresh) < len(taken):
                count("StreamRecordsCountedBefore", len(taken) - len(fresh))
            return


def _summed(counts: Iterable[Counter[counting.Key]]) -> Counter[counting.Key]:
    """Summed with `update`: `+` drops the negative counts a move out of a histogram bin makes."""
    total: Counter[counting.Key] = Counter()
    for found in counts:
        total.update(found)
    return total


def _chunks(taken: list[Taken]) -> list[list[Taken]]:
    """Consecutive runs of records whose buckets and records fit one transaction beside the checkpoint."""
    chunks: list[list[Taken]] = []
    items: set[tuple[str, ...]] = set()
    for record in taken:
        _, counts, found = record
        touched = {(bucket,) for bucket, _ in counts} | user_signals.item_keys(found)
        if chunks and len(items | touched) < counters.MAX_ITEMS:
            chunks[-1].append(record)
            items |= touched
        else:
            chunks.append([record])
            items = set(touched)
    return chunks


def _ledger(record: Record) -> tuple[Counter[counting.Key], Found]:
    """The KPI day counts, and the risk rules' 5-minute interaction counts beside them (one checkpoint for both)."""
    entry = stream_images.ledger_change(record).new
    if entry is None:
        return Counter(), []
    kpis = counting.ledger_counts(entry, get_settings().community_time_zone)
    return kpis + signals.ledger_counts(kpis, entry.at), []


def _redemption(record: Record) -> tuple[Counter[counting.Key], Found]:
    """A new confirmed redemption's units per reward, for the stock-out forecast; later changes add nothing."""
    change = stream_images.redemption_change(record)
    made = change.new
    if change.old is not None or made is None or made.status != "confirmed":
        return Counter(), []
    return signals.redemption_counts(made.reward_id, made.quantity, made.created_at), []


def _fan(record: Record) -> tuple[Counter[counting.Key], Found]:
    """Stage moves for the KPIs; the peers histogram and the suspect and newcomer records for the user rules."""
    change = stream_images.fan_change(record)
    old = change.old.base.lifecycle_stage if change.old else None
    new = change.new.base.lifecycle_stage if change.new else None
    assessed = change.new.base.lifecycle_assessed_at if change.new else None  # None: written before it was kept
    stages = counting.stage_counts(old, new, assessed or change.at, get_settings().community_time_zone)
    counts, found = user_signals.derive(change.old, change.new)
    counts.update(stages)
    return counts, found


def _delivery(record: Record) -> tuple[Counter[counting.Key], Found]:
    engaged = stream_images.content_engagement(record)
    if engaged is None:
        return Counter(), []
    return counting.content_counts(engaged, get_settings().community_time_zone), []


def ledger_counters(shard: str | None) -> Counting:
    return Counting("ledger", shard, _ledger)


def fan_counters(shard: str | None) -> Counting:
    return Counting("fans", shard, _fan)


def redemption_counters(shard: str | None) -> Counting:
    return Counting("redemptions", shard, _redemption)


def delivery_counters(shard: str | None) -> Counting:
    return Counting("webhook-deliveries", shard, _delivery)
