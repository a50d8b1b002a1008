"""What a notification says: the SNS message body (API.md, "Risk alerts") and the attributes subscriptions filter on."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.alerts.model import Notification

SUBJECT_LENGTH = 99  # SNS: under 100 ASCII characters, no line breaks


def body(notification: Notification) -> dict[str, Any]:
    alert = notification.alert
    return {
        "notification_id": notification.notification_id,
        "alert_id": alert.alert_id,
        "dedup_key": alert.dedup_key,
        "rule": alert.rule,
        "category": alert.category,
        "level": alert.level,
        "status": alert.status,
        "notification": notification.kind,
        "title": alert.title,
        "summary": alert.summary,
        "evidence": alert.evidence,
        "first_seen_at": alert.first_seen_at.isoformat(),
        "detected_at": notification.at.isoformat(),
        "runbook": alert.runbook,
    }


def text(notification: Notification) -> str:
    return json.dumps(body(notification), default=str, separators=(",", ":"), sort_keys=True)


def attributes(notification: Notification) -> dict[str, str]:
    """String attributes, one value each, so a filter policy such as {"level": ["escalate"]} selects."""
    alert = notification.alert
    return {
        "level": alert.level or "warning",
        "category": alert.category,
        "status": alert.status,
        "rule": alert.rule,
        "notification": notification.kind,
    }


def subject(notification: Notification) -> str:
    """For e-mail subscribers: level, kind and title, reduced to what SNS accepts in a subject."""
    alert = notification.alert
    raw = f"[{alert.level}] {notification.kind}: {alert.title or alert.dedup_key}"
    printable = "".join(ch if " " <= ch <= "~" else "?" for ch in raw)
    return printable[:SUBJECT_LENGTH]
