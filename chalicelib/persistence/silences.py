"""Silences: few, short-lived items, read whole at each evaluation (a Scan of a table of a handful of items)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.alerts.model import Silence
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.persistence import conflicts, items, writes
from chalicelib.persistence.models import SilenceModel
from chalicelib.persistence.transaction import Cancelled, Transaction, with_retries

KEPT_AFTER_ENDING = timedelta(days=7)  # for TTL to reclaim; `ends_at` decides whether a silence mutes


def create(silence: Silence, record: IdempotencyRecord, now: datetime) -> None:
    """The silence with the request's answer under its key (KeyTaken if the key was used)."""
    tx = Transaction()
    item = SilenceModel(
        silence.silence_id,
        category=silence.category,
        rule=silence.rule,
        ends_at=silence.ends_at,
        reason=silence.reason,
        created_by=silence.created_by,
        created_at=silence.created_at,
        ttl=silence.ends_at + KEPT_AFTER_ENDING,
    )
    tx.put(items.SILENCE, item, SilenceModel.silence_id.does_not_exist())
    writes.add_record(tx, record, now)
    try:
        tx.commit()
    except Cancelled as cancelled:
        conflicts.raise_for(cancelled)


def everything() -> list[Silence]:
    return with_retries(lambda: [_from_item(i) for i in SilenceModel.scan(consistent_read=True)])


def get(silence_id: str) -> Silence | None:
    def read() -> Silence | None:
        try:
            return _from_item(SilenceModel.get(silence_id, consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def delete(silence_id: str) -> bool:
    """Remove a silence; False if it was not there (deleted meanwhile)."""
    tx = Transaction()
    tx.delete(items.SILENCE, SilenceModel(silence_id), SilenceModel.silence_id.exists())
    try:
        tx.commit()
    except Cancelled as cancelled:
        if cancelled.failed(items.SILENCE):
            return False
        raise
    return True


def _from_item(item: SilenceModel) -> Silence:
    return Silence(
        silence_id=item.silence_id,
        category=item.category,  # type: ignore[arg-type]
        rule=item.rule,
        ends_at=item.ends_at,
        reason=item.reason,
        created_by=item.created_by,
        created_at=item.created_at,
    )
