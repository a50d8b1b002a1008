"""Notifications on their way to SNS: written with the state change that decided them, removed from `unsent` once sent.

A notification is written already claimed by its writer for a short lease, so the writer
publishes it without another request; a publisher that finds it unsent after the lease (its
writer crashed, or SNS failed) claims it with a conditional update and publishes it again under
the same notification id. Subscribers deduplicate by that id (docs/operations.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.alerts import messages
from chalicelib.domain.alerts.model import Notification
from chalicelib.persistence import codec, items
from chalicelib.persistence.models import AlertOutboxModel
from chalicelib.persistence.transaction import Cancelled, Transaction, with_retries

UNSENT = "unsent"
KEPT_AFTER_SENDING = timedelta(days=30)


@dataclass(frozen=True)
class Outgoing:
    """A notification as it is published: its id, SNS message, attributes and subject."""

    notification_id: str
    message: str
    attributes: dict[str, str]
    subject: str
    claimed_until: int | None


def add(tx: Transaction, notification: Notification, lease: timedelta) -> Outgoing:
    """Put the notification into `tx`, claimed by this writer until `lease` has passed."""
    outgoing = Outgoing(
        notification.notification_id,
        messages.text(notification),
        messages.attributes(notification),
        messages.subject(notification),
        int((notification.at + lease).timestamp()),
    )
    item = AlertOutboxModel(
        outgoing.notification_id,
        alert_id=notification.alert.alert_id,
        kind=notification.kind,
        message=outgoing.message,
        attributes=json.dumps(outgoing.attributes, sort_keys=True),
        subject=outgoing.subject,
        created_at=codec.instant(notification.at),
        unsent=UNSENT,
        claimed_until=outgoing.claimed_until,
    )
    tx.put(items.OUTBOX, item, AlertOutboxModel.notification_id.does_not_exist())
    return outgoing


def unsent(limit: int = 100) -> list[Outgoing]:
    """The oldest unsent notifications (the sparse `unsent` index, eventually consistent: claims decide)."""

    def read() -> list[Outgoing]:
        query = AlertOutboxModel.unsent_index.query(UNSENT, scan_index_forward=True, limit=limit, page_size=limit)
        return [_outgoing(item) for item in query]

    return with_retries(read)


def _outgoing(item: AlertOutboxModel) -> Outgoing:
    claimed = int(item.claimed_until) if item.claimed_until is not None else None
    return Outgoing(item.notification_id, item.message, json.loads(item.attributes), item.subject, claimed)


def claim(notification_id: str, now: datetime, lease: timedelta) -> bool:
    """Take an unsent notification whose claim has lapsed; False if it was sent or someone holds it."""
    tx = Transaction()
    lapsed = AlertOutboxModel.claimed_until.does_not_exist() | (AlertOutboxModel.claimed_until < int(now.timestamp()))
    tx.update(
        items.OUTBOX,
        AlertOutboxModel(notification_id),
        [AlertOutboxModel.claimed_until.set(int((now + lease).timestamp()))],
        AlertOutboxModel.unsent.exists() & lapsed,
    )
    return _committed(tx)


def mark_sent(notification_id: str, now: datetime) -> bool:
    """Out of `unsent`, once; False if it already was (another publisher sent it too: subscribers dedupe)."""
    tx = Transaction()
    tx.update(
        items.OUTBOX,
        AlertOutboxModel(notification_id),
        [
            AlertOutboxModel.unsent.remove(),
            AlertOutboxModel.claimed_until.remove(),
            AlertOutboxModel.sent_at.set(now),
            AlertOutboxModel.ttl.set(now + KEPT_AFTER_SENDING),
        ],
        AlertOutboxModel.unsent.exists(),
    )
    return _committed(tx)


def _committed(tx: Transaction) -> bool:
    try:
        tx.commit()
    except Cancelled as cancelled:
        if cancelled.failed(items.OUTBOX):
            return False
        raise
    return True
