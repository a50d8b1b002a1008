"""Alerts, one item per episode of a dedup key, written together with the notifications they decide.

A state change is one transaction: the alert, conditioned on the version it was decided from
(or on its episode not existing yet), and the notification it decided, into the outbox. Two
evaluations racing on one alert therefore cannot both decide a notification, and a notification
exists exactly when its state change does (docs/data-model.md, "Alerts").
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.alerts.model import Alert, Listed, Notification, key_digest, parse_alert_id
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.persistence import codec, conflicts, cursors, items, outbox, writes
from chalicelib.persistence.cursors import InvalidCursor, Page
from chalicelib.persistence.models import AlertModel
from chalicelib.persistence.transaction import Cancelled, Transaction, with_retries

LISTING = "alert"  # the `by-time` index's one partition: alerts are few (tens a day), so it is never hot
_LISTED_AT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00\|alr_[0-9a-f]{32}-[1-9][0-9]{0,8}"
)


class StaleAlert(Exception):
    """The alert changed since it was read; `current` is what is stored now (None if nothing is)."""

    def __init__(self, current: Alert | None) -> None:
        super().__init__("alert changed")
        self.current = current


def latest(dedup_key: str) -> Alert | None:
    """The newest episode of a dedup key, whatever its status."""

    def read() -> Alert | None:
        query = AlertModel.query(key_digest(dedup_key), scan_index_forward=False, limit=1, consistent_read=True)
        return next((_from_item(item) for item in query), None)

    return with_retries(read)


def get(alert_id: str) -> Alert | None:
    parsed = parse_alert_id(alert_id)
    if parsed is None:
        return None

    def read() -> Alert | None:
        try:
            return _from_item(AlertModel.get(parsed[0], parsed[1], consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def open_alerts() -> list[Alert]:
    """Every raised alert not yet resolved, from the `by-status` index (eventually consistent; writes are versioned)."""

    def read() -> list[Alert]:
        return [_from_item(i) for status in ("open", "acknowledged") for i in AlertModel.by_status.query(status)]

    return with_retries(read)


def page(status: Listed | None, since: datetime | None, limit: int, cursor: str | None) -> Page[Alert]:
    """Raised alerts newest first (by when they were raised), of one status or all, raised at or after `since`."""
    partition = status or LISTING
    prefix = cursors.prefix("al", partition)
    start = None
    lowest = codec.instant(since) if since is not None else None
    if cursor is not None:
        listed_at = cursors.decode(cursor, prefix)
        parsed = parse_alert_id(listed_at.partition("|")[2]) if _LISTED_AT.fullmatch(listed_at) else None
        if parsed is None or (lowest is not None and listed_at < lowest):
            raise InvalidCursor(cursor)  # DynamoDB refuses a start key outside the key condition (moto does not)
        index_key = "status" if status else "listing"
        start = {
            "key": {"S": parsed[0]},
            "episode": {"N": str(parsed[1])},
            index_key: {"S": partition},
            "listed_at": {"S": listed_at},
        }
    bound = AlertModel.listed_at >= lowest if lowest is not None else None
    index = AlertModel.by_status if status else AlertModel.by_time

    def read() -> Page[Alert]:
        found = list(
            index.query(
                partition,
                bound,
                scan_index_forward=False,
                limit=limit + 1,
                page_size=limit + 1,
                last_evaluated_key=start,
            )
        )
        shown = found[:limit]
        more = len(found) > limit
        return Page([_from_item(i) for i in shown], cursors.encode(prefix + str(shown[-1].listed_at)) if more else None)

    return with_retries(read)


def commit(
    alert: Alert,
    notification: Notification | None,
    lease: timedelta,
    record: IdempotencyRecord | None = None,
    now: datetime | None = None,
) -> outbox.Outgoing | None:
    """Write the alert's new state (version `alert.version`, decided from the one before) with its notification.

    Raises StaleAlert when the alert moved meanwhile, KeyTaken when the request's key was used.
    """
    tx = Transaction()
    fresh = alert.version == 1
    condition = AlertModel.key.does_not_exist() if fresh else AlertModel.version == alert.version - 1
    tx.put(items.ALERT, _to_item(alert), condition)
    outgoing = outbox.add(tx, notification, lease) if notification is not None else None
    writes.add_record(tx, record, now)
    try:
        tx.commit()
    except Cancelled as cancelled:
        if cancelled.failed(items.IDEMPOTENCY):
            conflicts.raise_for(cancelled)
        if cancelled.failed(items.ALERT):
            raw = cancelled.old_item(items.ALERT)
            raise StaleAlert(_from_item(AlertModel.from_raw_data(raw)) if raw else None) from None
        raise
    return outgoing


def _seconds(period: timedelta | None) -> int | None:
    return None if period is None else int(period.total_seconds())


def _period(seconds: object) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=float(str(seconds)))


def _to_item(alert: Alert) -> AlertModel:
    raised = alert.raised_at is not None
    return AlertModel(
        key_digest(alert.dedup_key),
        alert.episode,
        alert_id=alert.alert_id,
        dedup_key=alert.dedup_key,
        rule=alert.rule,
        category=alert.category,
        scope=alert.scope,
        status=alert.status,
        level=alert.level,
        observed=alert.observed,
        observed_at=alert.observed_at,
        first_seen_at=alert.first_seen_at,
        title=alert.title or None,
        summary=alert.summary or None,
        evidence=json.dumps(alert.evidence, default=str, separators=(",", ":")),
        runbook=alert.runbook or None,
        pending_seconds=_seconds(alert.pending),
        repeat_seconds=_seconds(alert.repeat_interval),
        clear_seconds=_seconds(alert.clear_period),
        inhibited_by_technical=alert.inhibited_by_technical or None,
        condition_since=alert.condition_since,
        clear_since=alert.clear_since,
        raised_at=alert.raised_at,
        level_since=alert.level_since,
        detected_at=alert.detected_at,
        last_notified_at=alert.last_notified_at,
        repeats=alert.repeats,
        notifications=alert.notifications,
        muted=alert.muted,
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=alert.resolved_at,
        resolved_by=alert.resolved_by,
        version=alert.version,
        listing=LISTING if raised else None,
        listed_at=f"{codec.instant(alert.raised_at)}|{alert.alert_id}" if alert.raised_at is not None else None,
    )


def _from_item(item: AlertModel) -> Alert:
    return Alert(
        alert_id=item.alert_id,
        episode=int(item.episode),
        dedup_key=item.dedup_key,
        rule=item.rule,
        category=item.category,  # type: ignore[arg-type]
        scope=item.scope,
        status=item.status,  # type: ignore[arg-type]
        observed=item.observed,  # type: ignore[arg-type]
        observed_at=item.observed_at,
        first_seen_at=item.first_seen_at,
        title=item.title or "",
        summary=item.summary or "",
        evidence=json.loads(item.evidence),
        runbook=item.runbook or "",
        pending=_period(item.pending_seconds),
        repeat_interval=_period(item.repeat_seconds),
        clear_period=_period(item.clear_seconds),
        inhibited_by_technical=bool(item.inhibited_by_technical),
        level=item.level,  # type: ignore[arg-type]
        condition_since=item.condition_since,
        clear_since=item.clear_since,
        raised_at=item.raised_at,
        level_since=item.level_since,
        detected_at=item.detected_at,
        last_notified_at=item.last_notified_at,
        repeats=int(item.repeats),
        notifications=int(item.notifications),
        muted=int(item.muted),
        acknowledged_by=item.acknowledged_by,
        acknowledged_at=item.acknowledged_at,
        resolved_at=item.resolved_at,
        resolved_by=item.resolved_by,
        version=int(item.version),
    )
