"""What one fan write tells the three per-fan user rules, read from the fan before and after it.

The fans stream carries both images, so the rules' signals are derived off the hot path, in the
stream function, from what the fan item already holds: the day's earnings (`Fan.earned_today`)
move the fan between the peers histogram's bins; a fan over the farming floor or at every pinned
cap is a **suspect** of that day; a fan first seen recently is a **newcomer**, whose check-in
instants, other actions and redemptions the ring and redemption rules read. So the scan reads
the histogram, the day's suspects and the newcomers' records of the last hours (older hours once
per process): its cost follows those, not the number of fans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.engagement import counts_key
from chalicelib.domain.fan import Fan


@dataclass(frozen=True)
class SignalRules:
    """The thresholds the stream writes records by: the rules' own (`RiskRules`), and the daily caps."""

    min_points: int
    pinned_kinds: frozenset[str]
    daily_caps: Mapping[str, int]
    new_account_age: timedelta


@dataclass(frozen=True)
class FarmingSuspect:
    """A fan's earnings on a community day once over the floor or at every pinned cap; the latest write wins."""

    day: date
    fan_id: str
    points: int
    capped_kinds: frozenset[str]


@dataclass(frozen=True)
class Newcomer:
    """What a recently first-seen fan did: check-in instants, redemptions (reward, instant, units), the count
    of its other actions (earning engagement and redemptions, as of the write), and the instant of its latest
    activity, which files the record by hour (`user_records`)."""

    fan_id: str
    first_seen_at: datetime
    other_actions: int
    checkins: frozenset[datetime] = frozenset()
    redemptions: frozenset[tuple[str, datetime, int]] = frozenset()
    acted_at: datetime | None = None

    def then(self, later: Newcomer) -> Newcomer:
        """This fan's record with another write's: instants gathered, the highest count kept (the fan item
        forgets old days' engagement counts, so a later write may count fewer; having acted stays true)."""
        latest = max((at for at in (self.acted_at, later.acted_at) if at is not None), default=None)
        return Newcomer(
            later.fan_id,
            later.first_seen_at,
            max(self.other_actions, later.other_actions),
            self.checkins | later.checkins,
            self.redemptions | later.redemptions,
            latest,
        )


def gathered(records: Iterable[Newcomer], earlier: Mapping[str, Newcomer] | None = None) -> dict[str, Newcomer]:
    """One newcomer per fan (by fan id) from its records of several hours, in any order, onto `earlier` gathered
    ones (copied, not changed: a scan merges its latest hours onto the settled ones every 5 minutes)."""
    fans = dict(earlier or {})
    for record in records:
        before = fans.get(record.fan_id)
        fans[record.fan_id] = record if before is None else before.then(record)
    return fans


def suspect(fan: Fan | None, rules: SignalRules) -> FarmingSuspect | None:
    """The fan as a farming suspect of its earning day, or None when it is under the floor and not pinned."""
    earned = fan.earned_today if fan is not None else None
    if fan is None or earned is None:
        return None
    capped = frozenset(
        kind
        for kind, cap in rules.daily_caps.items()
        if cap > 0 and fan.engagement_counts.get(counts_key(earned.day, kind), 0) >= cap
    )
    pinned = bool(rules.pinned_kinds) and rules.pinned_kinds <= capped
    if earned.points < rules.min_points and not pinned:
        return None
    return FarmingSuspect(earned.day, fan.fan_id, earned.points, capped)


def changed_suspect(old: Fan | None, new: Fan | None, rules: SignalRules) -> FarmingSuspect | None:
    """The suspect record this write makes or changes; None when it leaves the record as it was."""
    after = suspect(new, rules)
    return None if after is None or after == suspect(old, rules) else after


def newcomer(old: Fan | None, new: Fan | None, rules: SignalRules) -> Newcomer | None:
    """What this write adds to a newcomer's record; None for an established fan or a write adding nothing.

    The instant of a check-in or a redemption is the fan's latest core action (`activity.last_core_at`),
    the instant the service recorded with it; the fan is new while its latest activity of any kind
    (`score_at` covers views) is within `new_account_age` of its first write.
    """
    if new is None or new.created_at is None:
        return None
    acted_at = new.activity.last_core_at or new.created_at
    latest = max(at for at in (acted_at, new.activity.score_at) if at is not None)
    if latest - new.created_at > rules.new_account_age:
        return None
    checked_in = new.last_checkin_date is not None and (old is None or old.last_checkin_date != new.last_checkin_date)
    checkins = frozenset({acted_at}) if checked_in else frozenset()
    redeemed = frozenset(
        (reward_id, acted_at, units - (old.redeemed.get(reward_id, 0) if old else 0))
        for reward_id, units in new.redeemed.items()
        if units > (old.redeemed.get(reward_id, 0) if old else 0)
    )
    others = _other_actions(new)
    repeated = old is not None and old.created_at is not None and _other_actions(old) == others
    if repeated and not checkins and not redeemed:
        return None
    return Newcomer(new.fan_id, new.created_at, others, checkins, redeemed, latest)


def _other_actions(fan: Fan) -> int:
    return sum(fan.engagement_counts.values()) + sum(fan.redeemed.values())
