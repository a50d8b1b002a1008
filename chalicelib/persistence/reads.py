"""Every read the app makes, each answered by one key or index (see docs/data-model.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model, _ModelFuture
from pynamodb.transactions import TransactGet

from chalicelib.domain import identifiers
from chalicelib.domain.fan import LedgerEntry
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.domain.rewards import Redemption, Reward
from chalicelib.domain.settlement import StoredFan
from chalicelib.persistence import codec, cursors
from chalicelib.persistence.connection import transaction_connection
from chalicelib.persistence.cursors import InvalidCursor, Page
from chalicelib.persistence.models import (
    FanModel,
    IdempotencyModel,
    LedgerEntryModel,
    RedemptionModel,
    RewardModel,
)
from chalicelib.persistence.transaction import with_retries

T = TypeVar("T")
M = TypeVar("M", bound=Model)
_ENTRY_ID = re.compile(r"[0-9]{12}")  # what a ledger cursor may carry: an entry id (see fan.entry_id_for)
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")  # codec.instant


def fan(fan_id: str) -> StoredFan | None:
    def read() -> StoredFan | None:
        try:
            return codec.fan_from_item(FanModel.get(fan_id, consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def reward(reward_id: str) -> Reward | None:
    def read() -> Reward | None:
        try:
            return codec.reward_from_item(RewardModel.get(reward_id, consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def rewards() -> list[Reward]:
    """The whole catalogue: small by nature (tens to hundreds of items), so one paginated scan."""
    return with_retries(lambda: [codec.reward_from_item(i) for i in RewardModel.scan(consistent_read=True)])


def redemption(redemption_id: str) -> Redemption | None:
    def read() -> Redemption | None:
        try:
            return codec.redemption_from_item(RedemptionModel.get(redemption_id, consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def idempotency_record(key: str) -> IdempotencyRecord | None:
    def read() -> IdempotencyRecord | None:
        try:
            return codec.record_from_item(IdempotencyModel.get(key, consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


@dataclass(frozen=True)
class FanContext:
    fan: StoredFan | None
    reward: Reward | None
    record: IdempotencyRecord | None


def fan_context(fan_id: str, reward_id: str | None, key: str | None) -> FanContext:
    """The fan, a reward and an idempotency record in one consistent request (TransactGetItems)."""

    def read() -> FanContext:
        with TransactGet(connection=transaction_connection()) as tx:
            fan_f = tx.get(FanModel, fan_id)
            reward_f = tx.get(RewardModel, reward_id) if reward_id else None
            record_f = tx.get(IdempotencyModel, key) if key else None
        return FanContext(
            resolve(fan_f, codec.fan_from_item),
            resolve(reward_f, codec.reward_from_item) if reward_f else None,
            resolve(record_f, codec.record_from_item) if record_f else None,
        )

    return with_retries(read)


def resolve(future: _ModelFuture[M], convert: Callable[[M], T]) -> T | None:
    try:
        return convert(future.get())
    except DoesNotExist:
        return None


def ledger_page(fan_id: str, limit: int, cursor: str | None, unwritten: tuple[LedgerEntry, ...]) -> Page[LedgerEntry]:
    """Newest first; the cursor is the last entry id shown, valid for this fan only.

    `unwritten` are the fan's settled deferred awards not yet in the table, read before this
    query: they are merged by id with the stored page, so one written in between shows once and
    newer stored entries keep their place.
    """
    prefix = cursors.prefix("le", fan_id)
    before = cursors.decode(cursor, prefix) if cursor is not None else None
    if before is not None and not _ENTRY_ID.fullmatch(before):
        raise InvalidCursor(cursor or "")
    start = {"fan_id": {"S": fan_id}, "entry_id": {"S": before}} if before is not None else None
    settling = [e for e in unwritten if before is None or e.entry_id < before]

    def read() -> Page[LedgerEntry]:
        items = LedgerEntryModel.query(
            fan_id,
            scan_index_forward=False,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start,
            consistent_read=True,
        )
        merged = {e.entry_id: e for e in settling}
        merged.update((e.entry_id, e) for e in (codec.entry_from_item(i) for i in items))
        entries = sorted(merged.values(), key=lambda e: e.entry_id, reverse=True)
        more = len(entries) > limit
        entries = entries[:limit]
        return Page(entries, cursors.encode(prefix + entries[-1].entry_id) if more else None)

    return with_retries(read)


def newest_entry(fan_id: str, refs: frozenset[str]) -> LedgerEntry | None:
    """The fan's newest ledger entry under one of `refs` (rare: undoing a deferred award)."""

    def read() -> LedgerEntry | None:
        query = LedgerEntryModel.query(
            fan_id, filter_condition=LedgerEntryModel.ref.is_in(*refs), scan_index_forward=False, consistent_read=True
        )
        return next((codec.entry_from_item(item) for item in query), None)

    return with_retries(read)


def redemptions_page(fan_id: str, limit: int, cursor: str | None) -> Page[Redemption]:
    """A fan's redemptions newest first, through the `by-fan` index."""
    start = None
    prefix = cursors.prefix("rd", fan_id)
    if cursor is not None:
        created_at, _, redemption_id = cursors.decode(cursor, prefix).partition("|")
        if not _INSTANT.fullmatch(created_at) or not identifiers.is_own_id(redemption_id):
            raise InvalidCursor(cursor)
        start = {
            "fan_id": {"S": fan_id},
            "created_at": {"S": created_at},
            "redemption_id": {"S": redemption_id},
        }

    def read() -> Page[Redemption]:
        items = list(
            RedemptionModel.by_fan.query(
                fan_id,
                scan_index_forward=False,
                limit=limit + 1,
                page_size=limit + 1,
                last_evaluated_key=start,
            )
        )
        found = items[:limit]
        more = len(items) > limit
        next_cursor = None
        if more:
            last = found[-1]
            next_cursor = cursors.encode(f"{prefix}{last.created_at}|{last.redemption_id}")
        return Page([codec.redemption_from_item(i) for i in found], next_cursor)

    return with_retries(read)


def ping() -> None:
    """A cheap keyed read that proves the fans table answers (for the health check)."""
    with_retries(lambda: FanModel.count("__health__", limit=1))
