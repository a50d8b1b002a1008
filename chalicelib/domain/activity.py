"""A fan's recent activity in constant space: a decaying engagement score and day bitmasks.

Segments are recalculated daily for every fan, so what they need must be readable from the fan
item alone, without the ledger or the webhook history. Each mask keeps one bit per community day
(bit 0 is `day`, the newest day recorded, bit n the day n days before), so windows of up to
`HISTORY_DAYS` days can be counted in any order of arrival. The score is kept as a value at an
instant; decay is applied when it is read or added to, never by a job. See docs/segments.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal, get_args

Kind = Literal["checkin", "liked", "commented", "shared", "viewed", "published", "redemption"]
KINDS: tuple[Kind, ...] = get_args(Kind)
# A completed view raises the score and counts as activity, but is passive: not a core action.
CORE_KINDS: frozenset[Kind] = frozenset(KINDS) - {"viewed"}
HISTORY_DAYS = 64  # two 28-day windows (monthly retention) with room for late arrivals
WINDOW_DAYS = 28
_ALL_DAYS = (1 << HISTORY_DAYS) - 1


@dataclass(frozen=True)
class ScoreRules:
    """Weights per kind (a kind left out weighs nothing) and the half-life of every weight."""

    weights: Mapping[str, int] = field(
        default_factory=lambda: {
            "checkin": 1,
            "liked": 1,
            "commented": 3,
            "shared": 5,
            "viewed": 1,
            "published": 10,
            "redemption": 5,
        }
    )
    half_life: timedelta = timedelta(days=14)

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown activity kinds in score weights: {sorted(unknown)}")
        if any(weight < 0 for weight in self.weights.values()):
            raise ValueError("score weights cannot be negative")
        if self.half_life <= timedelta(0):
            raise ValueError("the score half-life must be positive")


@dataclass(frozen=True)
class Activity:
    """What the score, the lifecycle stage and the KPIs read about a fan, updated per event.

    `score_value` is the score at `score_at`, before rounding. The masks share the anchor `day`:
    `core_mask` days with a core action, `seen_mask` days with any activity (completed views too),
    `shared_mask` and `published_mask` days with a share or a published piece of content,
    `redeemed_mask` days with a confirmed redemption (the KPIs' redemption conversion).
    """

    score_value: float = 0.0
    score_at: datetime | None = None
    day: date | None = None
    core_mask: int = 0
    seen_mask: int = 0
    shared_mask: int = 0
    published_mask: int = 0
    redeemed_mask: int = 0
    first_seen_at: datetime | None = None
    last_core_at: datetime | None = None


def record(activity: Activity, kind: Kind, at: datetime, day: date, rules: ScoreRules) -> Activity:
    """The activity after one event at `at`, on community day `day`, whatever the order of arrival.

    The caller applies each event once. An event older than the history only adds its decayed
    score (and may move `first_seen_at` back): its day is no longer counted anywhere.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    _require_aware(at)
    value, score_at = _added(activity, rules.weights.get(kind, 0), at, rules.half_life)
    anchor, shift, bit = _placed(activity.day, day)

    def marked(mask: int, applies: bool) -> int:
        moved = (mask << shift) & _ALL_DAYS
        return moved | (1 << bit) if applies and bit < HISTORY_DAYS else moved

    core = kind in CORE_KINDS
    return replace(
        activity,
        score_value=value,
        score_at=score_at,
        day=anchor,
        core_mask=marked(activity.core_mask, core),
        seen_mask=marked(activity.seen_mask, True),
        shared_mask=marked(activity.shared_mask, kind == "shared"),
        published_mask=marked(activity.published_mask, kind == "published"),
        redeemed_mask=marked(activity.redeemed_mask, kind == "redemption"),
        first_seen_at=at if activity.first_seen_at is None else min(activity.first_seen_at, at),
        last_core_at=_latest(activity.last_core_at, at) if core else activity.last_core_at,
    )


def score(activity: Activity, now: datetime, rules: ScoreRules) -> int:
    """The score at `now`, rounded half up: an event of weight 1 shows for one half-life.

    An instant before the last update reads as the last update: the score never rises with time.
    """
    _require_aware(now)
    if activity.score_at is None or now <= activity.score_at:
        return _rounded(activity.score_value)
    return _rounded(_decayed(activity.score_value, now - activity.score_at, rules.half_life))


def active_days(activity: Activity, today: date, days: int = WINDOW_DAYS) -> int:
    """Days with a core action among the `days` days ending with `today` (community days)."""
    return _count(activity.core_mask, activity.day, today, days)


def active_days_28(activity: Activity, today: date) -> int:
    return active_days(activity, today, WINDOW_DAYS)


def seen_days(activity: Activity, today: date, days: int = WINDOW_DAYS) -> int:
    """Days with any activity, completed views included, among the `days` days ending with `today`."""
    return _count(activity.seen_mask, activity.day, today, days)


def shared_days(activity: Activity, today: date, days: int = WINDOW_DAYS) -> int:
    return _count(activity.shared_mask, activity.day, today, days)


def published_days(activity: Activity, today: date, days: int = WINDOW_DAYS) -> int:
    return _count(activity.published_mask, activity.day, today, days)


def redeemed_days(activity: Activity, today: date, days: int = WINDOW_DAYS) -> int:
    return _count(activity.redeemed_mask, activity.day, today, days)


def _added(activity: Activity, weight: int, at: datetime, half_life: timedelta) -> tuple[float, datetime]:
    """The score with `weight` added at `at`, kept at the later of `at` and the last update."""
    if activity.score_at is None:
        return float(weight), at
    if at >= activity.score_at:
        return _decayed(activity.score_value, at - activity.score_at, half_life) + weight, at
    return activity.score_value + _decayed(weight, activity.score_at - at, half_life), activity.score_at


def _decayed(value: float, age: timedelta, half_life: timedelta) -> float:
    return value * math.exp2(-(age / half_life))


def _rounded(value: float) -> int:
    return math.floor(value + 0.5)


def _placed(anchor: date | None, day: date) -> tuple[date, int, int]:
    """The new anchor, how far the masks move left to reach it, and the bit of `day` after that."""
    if anchor is None:
        return day, 0, 0
    if day > anchor:
        return day, min((day - anchor).days, HISTORY_DAYS), 0
    return anchor, 0, (anchor - day).days


def _count(mask: int, anchor: date | None, today: date, days: int) -> int:
    if not 1 <= days <= HISTORY_DAYS:
        raise ValueError(f"a window is 1 to {HISTORY_DAYS} days")
    if anchor is None:
        return 0
    offset = (anchor - today).days  # bit of `today`; negative when the newest day is in the past
    if offset <= -days:
        return 0
    aligned = mask >> offset if offset >= 0 else mask << -offset
    return (aligned & ((1 << days) - 1)).bit_count()


def _latest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None else max(current, at)


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
