"""Moderation flags as received, kept three days for the risk scan (flag surge, legal flags).

One item per flag under its UTC day, sorted by arrival: the scan reads the days its look-back
spans with one query each, from the instant it looks back to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def since(start: datetime, end: datetime) -> list[ContentFlag]:
    """Every flag received in [start, end), oldest first."""
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    found: list[ContentFlag] = []
    lower = codec.instant(start)
    for offset in range((last - first).days + 1):
        day = (first + timedelta(days=offset)).isoformat()

        def read(day: str = day) -> list[FlagRecordModel]:
            return list(
                FlagRecordModel.query(_bucket(day), FlagRecordModel.slot >= lower, consistent_read=True)
            )

        found.extend(_flag(item) for item in with_retries(read) if item.flagged_at < end)
    return found


def _flag(item: FlagRecordModel) -> ContentFlag:
    severity: Severity = "high"  # the webhook schema admits only the three; an unknown one is the worst
    for known in SEVERITIES:
        if known == item.severity:
            severity = known
    return ContentFlag(item.platform, item.content_id, item.reason, severity, item.flagged_at)
