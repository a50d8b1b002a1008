"""Calendar-day arithmetic in IANA time zones: a fan's day is their local day, not UTC's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA zones of the `tzdata` package: the same list on every machine, whatever its system files."""
    from importlib import resources  # first use only: it costs cold starts ~2.5 ms

    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(name for name in listed if name not in NOT_ZONES)


def is_time_zone(name: str) -> bool:
    return name in zone_names()


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """A zone's rules from the `tzdata` package, never from the system, so every machine agrees."""
    from importlib import resources

    if not is_time_zone(name):
        raise ValueError(f"{name!r} is not an IANA time zone")
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
        return ZoneInfo.from_file(data, key=name)


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


EARLIEST = datetime(1970, 1, 2, tzinfo=timezone.utc)
LATEST = datetime(9999, 12, 30, tzinfo=timezone.utc)


def out_of_range(**instants: datetime | None) -> str | None:
    """The first field whose instant cannot be handled in every zone (convertible, 1970 to 9999), if any."""
    for name, moment in instants.items():
        if moment is not None and not EARLIEST <= moment <= LATEST:
            return name
    return None


def day_start(day: date, zone_name: str) -> datetime:
    """The first instant of a local day (midnight, or the first valid time after a gap)."""
    return datetime.combine(day, time(), zone(zone_name))


def overlapping_days(day: date, from_zone: str, to_zone: str) -> list[date]:
    """The days of `to_zone` that share at least one instant with `day` in `from_zone`."""
    first = local_day(day_start(day, from_zone), to_zone)
    last = local_day(day_start(day + timedelta(days=1), from_zone) - timedelta(microseconds=1), to_zone)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def carry_day_counts(counts: Mapping[str, int], from_zone: str, to_zone: str) -> dict[str, int]:
    """Per-day counts (`YYYY-MM-DD|what`) re-keyed to another zone without giving back a fresh day.

    Each day's count goes to every day of the new zone that overlaps it (the larger where two
    meet), so nothing counted in an hour of the old day can be counted again in that hour.
    """
    carried: dict[str, int] = {}
    for key, value in counts.items():
        day, _, what = key.partition("|")
        for new_day in overlapping_days(date.fromisoformat(day), from_zone, to_zone):
            new_key = f"{new_day.isoformat()}|{what}"
            carried[new_key] = max(carried.get(new_key, 0), value)
    return carried
