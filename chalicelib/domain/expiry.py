"""Points expiry: what is left of a month's earnings leaves the balance when its validity ends.

Months are the community's, as `fan.credit` files earnings. Points earned in month m can be spent
through the last day of month m + N (`fan.expires_on`) and are gone from the first instant of the
month after, in the community zone. Spending consumes the oldest months first (`Fan.consumed`), so
only the unspent part of a month ever expires, and expiry takes the oldest months first too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from chalicelib.domain import days
from chalicelib.domain import fan as fans

NOTICE_DAYS = (30, 7)  # a fan is told this many days before the last day their points can be spent
REF_PREFIX = "expiry:"


def expiry_ref(month: str) -> str:
    """The ledger ref of a month's expiry: a reader can tell which earnings went."""
    return f"{REF_PREFIX}{month}"


def is_due(month: str, today: date, expiry_months: int) -> bool:
    """Whether the points of `month` are past their last day on the community day `today`."""
    return fans.expires_on(month, expiry_months) < today


def expire(fan: fans.Fan, today: date, expiry_months: int, community_zone: str, now: datetime) -> fans.FanChange | None:
    """Expire every month past its last day, oldest first; None when no such month is left.

    Each month with points left gets one `expiry` entry. Every due bucket is removed and its spent
    part comes off `consumed`, so balance == sum(buckets) - consumed still holds, the item stays small,
    and a rerun finds no due bucket: expiry is idempotent by the state alone. The entries take the
    versions after the fan's, one each, so the version grows by the number of entries (by one for
    a change that only removes spent buckets). The balance never goes below zero.
    """
    if today > days.local_day(now, community_zone):
        raise ValueError(f"{today} has not begun in {community_zone} at {now.isoformat()}")
    due = [(month, unspent) for month, unspent in fans.unspent_by_month(fan) if is_due(month, today, expiry_months)]
    if not due:
        return None
    balance, consumed, version = fan.balance, fan.consumed, fan.version
    entries: list[fans.LedgerEntry] = []
    for month, unspent in due:
        consumed -= fan.earned_by_month[month] - unspent
        points = min(unspent, balance)
        if points:
            balance -= points
            version += 1
            entries.append(
                fans.LedgerEntry(
                    fan.fan_id, fans.entry_id_for(version), now, -points, balance, "expiry", expiry_ref(month)
                )
            )
    gone = {month for month, _ in due}
    after = replace(
        fan,
        balance=balance,
        consumed=consumed,
        earned_by_month={month: n for month, n in fan.earned_by_month.items() if month not in gone},
        version=max(version, fan.version + 1),
        created_at=fan.created_at or now,
        settling=(),
    )
    return fans.FanChange(after, fan.version, entries[-1] if entries else None, (*fan.settling, *entries[:-1]))


@dataclass(frozen=True)
class ExpiryNotice:
    """A `PointsExpiring` notice: `points` earned in `month` can be spent through `expires_on`."""

    fan_id: str
    month: str
    points: int
    expires_on: date
    days_ahead: int

    @property
    def key(self) -> str:
        """What the fan records once the notice is due (`Fan.expiry_notices`): one per month and notice."""
        return notice_key(self.month, self.days_ahead)


def notice_key(month: str, days_ahead: int) -> str:
    return f"{month}:{days_ahead}"


def parse_notice_key(key: str) -> tuple[str, int]:
    month, days_ahead = key.split(":")
    return month, int(days_ahead)


def expiring_notices(fan: fans.Fan, today: date, expiry_months: int) -> list[ExpiryNotice]:
    """The notices due on the community day `today`: months with points left whose last day is 30 or 7 days on.

    Only that exact day matches, so each notice is due once; a missed day is caught up by running
    that day again.
    """
    notices = []
    for month, unspent in fans.unspent_by_month(fan):
        last_day = fans.expires_on(month, expiry_months)
        ahead = (last_day - today).days
        if unspent > 0 and ahead in NOTICE_DAYS:
            notices.append(ExpiryNotice(fan.fan_id, month, unspent, last_day, ahead))
    return notices


def noticed(fan: fans.Fan, today: date, expiry_months: int) -> frozenset[str]:
    """The notices the fan should record after the run for `today`: those due today, and those already
    recorded for months it still holds (a month's keys leave with its bucket, when it expires)."""
    kept = {key for key in fan.expiry_notices if parse_notice_key(key)[0] in fan.earned_by_month}
    return frozenset(kept | {notice.key for notice in expiring_notices(fan, today, expiry_months)})


@dataclass(frozen=True)
class Expired:
    """One month's expired points, for a `PointsExpired` event."""

    fan_id: str
    month: str
    points: int
    entry_id: str
    balance_after: int


def expired_by(entry: fans.LedgerEntry) -> Expired | None:
    """The month an `expiry` entry took points from; None for any other entry."""
    if entry.kind != "expiry":
        return None
    return Expired(entry.fan_id, entry.ref.removeprefix(REF_PREFIX), -entry.delta, entry.entry_id, entry.balance_after)


def expired(change: fans.FanChange) -> list[Expired]:
    """The months an `expire` change took points from, oldest first (settled awards are not expiries)."""
    return [found for entry in change.entries if (found := expired_by(entry)) is not None]
