"""Calendar-day arithmetic in IANA time zones: a fan's day is their local day, not UTC's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_time_zone(name: str) -> bool:
    """True for an IANA zone name this runtime knows; rejects paths and empty strings."""
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_day(instant: datetime, zone_name: str) -> date:
    """The calendar date at `instant` in `zone_name`; `instant` must be timezone-aware."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(zone(zone_name)).date()


def next_streak(previous_day: date | None, previous_streak: int, today: date) -> int:
    """Streak after checking in on `today`: consecutive local days, restarting at 1 after a gap."""
    if previous_day is not None and previous_day == today - timedelta(days=1):
        return previous_streak + 1
    return 1


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, months: int) -> date:
    """First day of the month `months` after `month` (a `YYYY-MM` key)."""
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) + months
    return date(index // 12, index % 12 + 1, 1)
