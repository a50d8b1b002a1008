"""Moderation flags as received, kept three days for the risk scan (flag surge, legal flags).

One item per flag under its UTC day, sorted by arrival: the scan reads the days its look-back
spans with one query each, from the instant it looks back to; a day over since its arrivals
stopped is read whole, once per process (`services/risk_scan`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.risk.flagged_content import SEVERITIES, ContentFlag, Severity
from chalicelib.persistence import codec
from chalicelib.persistence.models import FlagRecordModel
from chalicelib.persistence.transaction import with_retries

PREFIX = "flags#"
KEPT = timedelta(days=3)


def _bucket(day: str) -> str:
    return f"{PREFIX}{day}"


def record(platform: str, content_id: str, severity: str, reason: str, now: datetime) -> FlagRecordModel:
    """The item a flag delivery's transaction puts (a redelivery never reaches it: the dedupe record stops it)."""
    at = codec.instant(now)
    return FlagRecordModel(
        _bucket(now.astimezone(UTC).date().isoformat()),
        f"{at}#{platform}#{content_id}",
        platform=platform,
        content_id=content_id,
        severity=severity,
        reason=reason,
        flagged_at=now,
        ttl=now + KEPT,
    )


def of_day(day: date, since: datetime | None = None) -> list[ContentFlag]:
    """The flags received on a UTC day, oldest first; from `since` on when given (one query)."""

    def read() -> list[FlagRecordModel]:
        bucket = _bucket(day.isoformat())
        if since is None:
            return list(FlagRecordModel.query(bucket, consistent_read=True))
        lower = codec.instant(since)
        return list(FlagRecordModel.query(bucket, FlagRecordModel.slot >= lower, consistent_read=True))

    return [_flag(item) for item in with_retries(read)]


def _flag(item: FlagRecordModel) -> ContentFlag:
    severity: Severity = "high"  # the webhook schema admits only the three; an unknown one is the worst
    for known in SEVERITIES:
        if known == item.severity:
            severity = known
    return ContentFlag(item.platform, item.content_id, item.reason, severity, item.flagged_at)
