"""A fan's points account and profile as one immutable state; every change yields a new state.

Balances are tracked as monthly earning buckets plus a consumed total, so that points expiry can
later consume the oldest points first (FIFO) without rewriting old ledger entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

from chalicelib.domain import activity as activities
from chalicelib.domain import days
from chalicelib.domain.checkin import CheckinRules
from chalicelib.domain.errors import AccountLimitReached, InsufficientPoints, TimeZoneChangeTooSoon
from chalicelib.domain.tiers import DowngradeWarning

LedgerKind = Literal["checkin", "engagement", "redemption", "refund", "expiry", "adjustment", "referral"]
DEFAULT_TIER = "silent"
DEFAULT_STAGE = "awareness"
MAX_FORMER_ACCOUNTS = 20  # accounts a fan has linked before, kept so their old content stays "their own"
# What a fan earns by acting; refunds, expiry and operators' adjustments are not the fan's doing.
EARNING_KINDS: frozenset[LedgerKind] = frozenset({"checkin", "engagement", "referral"})


@dataclass(frozen=True)
class LedgerEntry:
    """An immutable record of one balance change; `entry_id` orders a fan's entries in time."""

    fan_id: str
    entry_id: str
    at: datetime
    delta: int
    balance_after: int
    kind: LedgerKind
    ref: str


@dataclass(frozen=True)
class DayEarnings:
    """Points a fan earned by acting on one community day: the points-farming rule compares fans on it."""

    day: date
    points: int


@dataclass(frozen=True)
class Fan:
    """`settling`: deferred engagement awards counted in this state but not yet in the ledger table.

    The next write of the fan puts them there (see `engagement.settle`). `expiry_notices`: the
    `PointsExpiring` notices already due for months still held (`expiry.noticed`); recorded on the
    fan so that the write recording one is the change the outgoing event is derived from, once.
    """

    fan_id: str
    time_zone: str | None = None
    time_zone_changed_at: datetime | None = None
    balance: int = 0
    lifetime_points: int = 0
    tier: str = DEFAULT_TIER
    tier_since: date | None = None
    tier_warning: DowngradeWarning | None = None
    lifecycle_stage: str = DEFAULT_STAGE
    streak: int = 0
    last_checkin_date: date | None = None
    earned_by_month: dict[str, int] = field(default_factory=dict)
    consumed: int = 0
    redeemed: dict[str, int] = field(default_factory=dict)
    engagement_counts: dict[str, int] = field(default_factory=dict)
    linked_accounts: dict[str, str] = field(default_factory=dict)
    former_accounts: tuple[tuple[str, str], ...] = ()
    activity: activities.Activity = field(default_factory=activities.Activity)
    at_risk: bool = False
    lifecycle_assessed_at: datetime | None = None
    expiry_notices: frozenset[str] = frozenset()
    earned_today: DayEarnings | None = None
    version: int = 0
    created_at: datetime | None = None
    settling: tuple[LedgerEntry, ...] = ()

    @property
    def stored(self) -> bool:
        return self.version > 0

    def zone_or(self, community_zone: str) -> str:
        return self.time_zone or community_zone

    def owns(self, platform: str, external_user_id: str) -> bool:
        """Whether this platform account is, or was, this fan's: engaging with one's own content earns nothing."""
        return (
            self.linked_accounts.get(platform) == external_user_id
            or (platform, external_user_id) in self.former_accounts
        )

    def with_account(self, platform: str, external_user_id: str | None) -> Fan:
        """Link (or with None, unlink) the fan's account on a platform, remembering the one it replaces.

        Every account a fan ever linked is remembered (own content stays own). Past a limit a
        further account is refused rather than an old one forgotten; an operator's unlink is
        always remembered (each needs an operator, so they cannot grow the list quickly).
        """
        accounts = {k: v for k, v in self.linked_accounts.items() if k != platform}
        if external_user_id is not None:
            accounts[platform] = external_user_id
        former = self.former_accounts
        previous = self.linked_accounts.get(platform)
        if previous is not None and previous != external_user_id and (platform, previous) not in former:
            if external_user_id is not None and len(former) >= MAX_FORMER_ACCOUNTS:
                raise AccountLimitReached(
                    f"Fan {self.fan_id} has linked {MAX_FORMER_ACCOUNTS + 1} accounts; an operator must review it.",
                    limit=MAX_FORMER_ACCOUNTS + 1,
                )
            former = (*former, (platform, previous))
        return replace(self, linked_accounts=accounts, former_accounts=former)


@dataclass(frozen=True)
class FanChange:
    """The state to write, guarded by `previous_version`, and the ledger entries written with it.

    `settled` are the entries written before `entry`: earlier deferred awards (see `Fan.settling`)
    and, when one change writes several entries (points expiry), all but its last. Each entry's id
    is a version this change passes through, so the fan's version grows by one per entry.
    """

    fan: Fan
    previous_version: int
    entry: LedgerEntry | None
    settled: tuple[LedgerEntry, ...] = ()

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        """Every ledger entry this change writes, oldest first."""
        return (*self.settled, *([self.entry] if self.entry else []))


def with_activity(
    change: FanChange, kind: activities.Kind, at: datetime, community_zone: str, rules: activities.ScoreRules
) -> FanChange:
    """The change with the action also recorded in the fan's activity (score, active days), in the same write."""
    recorded = activities.record(change.fan.activity, kind, at, days.local_day(at, community_zone), rules)
    return replace(change, fan=replace(change.fan, activity=recorded))


def entry_id_for(version: int) -> str:
    """Ledger ids follow the fan's version, which only grows, so they sort newest-last."""
    return f"{version:012d}"


def _commit(
    before: Fan, after: Fan, now: datetime, delta: int, kind: LedgerKind, ref: str, always_record: bool = False
) -> FanChange:
    version = before.version + 1
    fan = replace(after, version=version, created_at=before.created_at or now, settling=())
    entry = None
    if delta != 0 or always_record or kind == "checkin":
        entry = LedgerEntry(before.fan_id, entry_id_for(version), now, delta, fan.balance, kind, ref)
    return FanChange(fan, before.version, entry, before.settling)


def touch(before: Fan, after: Fan, now: datetime) -> FanChange:
    """A change with no balance effect (profile fields), still version-guarded."""
    return FanChange(
        replace(after, version=before.version + 1, created_at=before.created_at or now, settling=()),
        before.version,
        None,
        before.settling,
    )


def credit(
    fan: Fan,
    points: int,
    kind: LedgerKind,
    ref: str,
    now: datetime,
    community_zone: str,
    *,
    lifetime: bool = True,
    base: Fan | None = None,
    always_record: bool = False,
) -> FanChange:
    """Add points earned now; they join the current month's bucket for later FIFO expiry."""
    if points < 0:
        raise ValueError("credit takes a non-negative amount")
    today = days.local_day(now, community_zone)
    month = days.month_key(today)
    buckets = dict(fan.earned_by_month)
    if points:
        buckets[month] = buckets.get(month, 0) + points
    earning = lifetime and kind in EARNING_KINDS
    after = replace(
        fan,
        balance=fan.balance + points,
        lifetime_points=fan.lifetime_points + (points if lifetime else 0),
        earned_by_month=buckets,
        earned_today=_earned(fan.earned_today, today, points) if earning else fan.earned_today,
    )
    return _commit(base or fan, after, now, points, kind, ref, always_record)


def _earned(before: DayEarnings | None, today: date, points: int) -> DayEarnings | None:
    """The day's running total; an award filed under an earlier day than the one kept leaves it alone."""
    if not points or (before is not None and before.day > today):
        return before
    if before is None or before.day < today:
        return DayEarnings(today, points)
    return DayEarnings(today, before.points + points)


def debit(fan: Fan, points: int, kind: LedgerKind, ref: str, now: datetime, *, base: Fan | None = None) -> FanChange:
    """Take points, oldest first; refuses to go below zero."""
    if points < 0:
        raise ValueError("debit takes a non-negative amount")
    if points > fan.balance:
        raise InsufficientPoints(
            f"This needs {points} points; the balance is {fan.balance}.",
            balance=fan.balance,
            required=points,
        )
    after = replace(fan, balance=fan.balance - points, consumed=fan.consumed + points)
    return _commit(base or fan, after, now, -points, kind, ref)


def adjust(fan: Fan, delta: int, reason: str, now: datetime, community_zone: str) -> tuple[FanChange, LedgerEntry]:
    """An operator's correction: positive credits (counts as earned), negative debits; with its entry."""
    if delta > 0:
        change = credit(fan, delta, "adjustment", reason, now, community_zone)
    else:
        change = debit(fan, -delta, "adjustment", reason, now)
    if change.entry is None:
        raise ValueError("an adjustment needs a non-zero delta")
    return change, change.entry


@dataclass(frozen=True)
class CheckinOutcome:
    day: date
    change: FanChange | None
    points_awarded: int

    @property
    def already_checked_in(self) -> bool:
        return self.change is None


def check_in(fan: Fan, now: datetime, community_zone: str, rules: CheckinRules) -> CheckinOutcome:
    """At most one award per local day of the fan; the streak counts consecutive local days.

    After a change of zone, `last_checkin_date` is the last day of the new zone that shares an
    instant with the day last checked in (`change_time_zone`), so the same real day cannot count twice.
    """
    zone_name = fan.zone_or(community_zone)
    today = days.local_day(now, zone_name)
    last = fan.last_checkin_date
    if last is not None and last >= today:
        return CheckinOutcome(today, None, 0)
    streak = days.next_streak(last, fan.streak, today)
    points = rules.points_for(streak)
    progressed = replace(fan, streak=streak, last_checkin_date=today)
    change = credit(progressed, points, "checkin", today.isoformat(), now, community_zone, base=fan)
    return CheckinOutcome(today, change, points)


def change_time_zone(
    fan: Fan, zone_name: str, now: datetime, min_days: int, community_zone: str
) -> FanChange | None:
    """Limit changes so that moving east cannot replay a day; the first choice is free.

    A change never gives a fresh day: the day last checked in, and every day's engagement counts,
    carry over to each day of the new zone that overlaps them (the check-in to the latest), so a
    second check-in or a fresh cap needs a new-zone day that began after the old day ended. At
    worst the fan waits most of a day for the next check-in; the streak carries on.
    """
    if zone_name == fan.time_zone:
        return None
    last = fan.time_zone_changed_at
    if fan.time_zone is not None and last is not None and now - last < timedelta(days=min_days):
        allowed = last + timedelta(days=min_days)
        raise TimeZoneChangeTooSoon(
            f"The time zone can change once every {min_days} days; next change from {allowed.isoformat()}.",
            next_change_at=allowed.isoformat(),
        )
    old_zone = fan.zone_or(community_zone)
    moved = replace(
        fan,
        time_zone=zone_name,
        time_zone_changed_at=now,
        engagement_counts=days.carry_day_counts(fan.engagement_counts, old_zone, zone_name),
        last_checkin_date=_carried_checkin_day(fan, old_zone, zone_name),
    )
    return touch(fan, moved, now)


def _carried_checkin_day(fan: Fan, old_zone: str, new_zone: str) -> date | None:
    if fan.last_checkin_date is None:
        return None
    return max(days.overlapping_days(fan.last_checkin_date, old_zone, new_zone))


@dataclass(frozen=True)
class Expiring:
    points: int
    expires_on: date


def expires_on(month: str, expiry_months: int) -> date:
    """The last day (community zone) on which points earned in `month` can still be spent."""
    return days.add_months(month, expiry_months + 1) - timedelta(days=1)


def unspent_by_month(fan: Fan) -> list[tuple[str, int]]:
    """Each earning month with its points not yet consumed, oldest first: `consumed` covers the oldest."""
    left_to_consume = fan.consumed
    result: list[tuple[str, int]] = []
    for month in sorted(fan.earned_by_month):
        earned = fan.earned_by_month[month]
        used = min(earned, left_to_consume)
        left_to_consume -= used
        result.append((month, earned - used))
    return result


def expiring(fan: Fan, expiry_months: int) -> list[Expiring]:
    """Unspent points per earning month, oldest first: spending consumes the oldest buckets."""
    return [
        Expiring(unspent, expires_on(month, expiry_months)) for month, unspent in unspent_by_month(fan) if unspent > 0
    ]
