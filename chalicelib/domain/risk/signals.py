"""The risk rules' time series as stream-kept counters: where each count is filed and how it is read back.

Counts are filed in hour buckets (`risk#YYYY-MM-DDTHH`, UTC) under `<signal>@<MM>`, MM the start
minute of the 5-minute slot: the rules need 5-minute resolution, and one bucket per hour keeps a
day's history to 25 queries instead of 288. Weekly totals (a reward's redemptions) go to UTC day
buckets (`riskday#YYYY-MM-DD`). Counting is the KPI counters' (exactly once per shard, per batch);
nothing here knows about shards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.kpis.counting import Key

SLOT = timedelta(minutes=5)
HOUR = timedelta(hours=1)
HOUR_PREFIX = "risk#"
DAY_PREFIX = "riskday#"
CHECKINS = "checkins"
INTERACTIONS = "interactions"
REDEEMED = "redeemed:"
REJECTED = "rejected:"


def hour_start(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_bucket(start: datetime) -> str:
    return f"{HOUR_PREFIX}{hour_start(start).strftime('%Y-%m-%dT%H')}"


def day_bucket(day: date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def slot_key(signal: str, at: datetime) -> Key:
    """The (bucket, counter) of `signal` for the 5-minute slot holding `at`."""
    minute = at.astimezone(UTC).minute // 5 * 5
    return hour_bucket(at), f"{signal}@{minute:02d}"


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """The starts of every hour bucket overlapping [start, end)."""
    found, at = [], hour_start(start)
    while at < end:
        found.append(at)
        at += HOUR
    return found


def ledger_counts(kpi_counts: Mapping[Key, int], at: datetime) -> Counter[Key]:
    """From a ledger entry's KPI counts (`interactions:<kind>`): its core action in its 5-minute slot."""
    counts: Counter[Key] = Counter()
    for (_, name), amount in kpi_counts.items():
        if name.startswith("interactions:"):
            counts[slot_key(INTERACTIONS, at)] += amount
            if name == "interactions:checkin":
                counts[slot_key(CHECKINS, at)] += amount
    return counts


def redemption_counts(reward_id: str, quantity: int, at: datetime) -> Counter[Key]:
    """A confirmed redemption's units, per 5-minute slot (the last day's rate) and per UTC day (the week's)."""
    name = f"{REDEEMED}{reward_id}"
    return Counter({slot_key(name, at): quantity, (day_bucket(at.astimezone(UTC).date()), name): quantity})


def series(hours: Mapping[datetime, Mapping[str, int]], signal: str) -> dict[datetime, int]:
    """`signal`'s counts keyed by the start of their 5-minute slot, from hour buckets' totals keyed by hour start."""
    found: dict[datetime, int] = {}
    prefix = f"{signal}@"
    for start, totals in hours.items():
        for name, amount in totals.items():
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                found[start + timedelta(minutes=int(name[len(prefix) :]))] = amount
    return found


def signals_with_prefix(hours: Iterable[Mapping[str, int]], prefix: str) -> set[str]:
    """The distinct signals (names before `@`) starting with `prefix`, e.g. every platform's rejections."""
    return {name.partition("@")[0] for totals in hours for name in totals if name.startswith(prefix)}
