"""Points expiry as pure decisions: oldest unspent points first, at the community's month end, once."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import days, expiry, rewards
from chalicelib.domain import fan as fans
from chalicelib.domain.activity import ScoreRules
from chalicelib.domain.settlement import PendingAward, StoredFan, settle

SCORE = ScoreRules()

UTC = timezone.utc


def at(day: str, zone: str = "UTC", hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), days.zone(zone)).replace(
        hour=hour, minute=minute
    )


def earn(fan: fans.Fan, points: int, now: datetime, zone: str = "UTC") -> fans.Fan:
    return fans.credit(fan, points, "checkin", now.isoformat(), now, zone).fan


def spend(fan: fans.Fan, points: int, now: datetime) -> fans.Fan:
    return fans.debit(fan, points, "redemption", now.isoformat(), now).fan


def run(fan: fans.Fan, now: datetime, months: int = 12, zone: str = "UTC") -> fans.FanChange | None:
    """The job's call: today is the community day of the run."""
    return expiry.expire(fan, days.local_day(now, zone), months, zone, now)


def summary(change: fans.FanChange | None) -> list[tuple[int, int, str]]:
    assert change is not None
    return [(e.delta, e.balance_after, e.ref) for e in change.entries]


def history() -> fans.Fan:
    """100 earned in Jan 2026, 50 in Feb; 120 spent in March (all of Jan, 20 of Feb); 40 earned in March."""
    fan = earn(fans.Fan("f"), 100, at("2026-01-10"))
    fan = earn(fan, 50, at("2026-02-10"))
    fan = spend(fan, 120, at("2026-03-05"))
    return earn(fan, 40, at("2026-03-20"))


def test_points_are_spendable_through_the_last_day_of_month_n_after_earning():
    fan = history()
    assert run(fan, at("2027-01-31", hour=23, minute=59)) is None
    assert [(e.points, e.expires_on) for e in fans.expiring(fan, 12)] == [
        (30, date(2027, 2, 28)),
        (40, date(2027, 3, 31)),
    ]


def test_a_fully_spent_month_is_pruned_without_an_entry_and_leaves_consumed():
    fan = history()
    change = run(fan, at("2027-02-01", hour=0))
    assert change is not None and change.entries == ()
    assert change.fan.earned_by_month == {"2026-02": 50, "2026-03": 40}
    assert (change.fan.consumed, change.fan.balance) == (20, 70)
    assert (change.previous_version, change.fan.version) == (fan.version, fan.version + 1)


def test_fifo_expires_only_what_spending_left_of_each_month_oldest_first():
    fan = history()
    change = run(fan, at("2027-04-01"))
    assert summary(change) == [(-30, 40, "expiry:2026-02"), (-40, 0, "expiry:2026-03")]
    assert change is not None
    assert (change.fan.balance, change.fan.consumed, change.fan.earned_by_month) == (0, 0, {})
    assert change.fan.lifetime_points == fan.lifetime_points


def test_each_entry_takes_the_next_version_and_the_change_moves_the_version_by_their_number():
    fan = history()
    change = run(fan, at("2027-04-01"))
    assert change is not None and change.previous_version == fan.version
    assert [e.entry_id for e in change.entries] == [fans.entry_id_for(fan.version + n) for n in (1, 2)]
    assert change.entry is not None and change.entry.entry_id == fans.entry_id_for(change.fan.version)
    assert change.settled == change.entries[:1]


def test_spending_after_a_partial_expiry_consumes_the_oldest_months_left():
    first = run(history(), at("2027-03-01"))
    assert summary(first) == [(-30, 40, "expiry:2026-02")]
    assert first is not None
    fan = spend(first.fan, 10, at("2027-03-02"))
    fan = earn(fan, 5, at("2027-03-03"))
    assert summary(run(fan, at("2027-04-01"))) == [(-30, 5, "expiry:2026-03")]


def test_expiring_twice_on_the_same_day_or_later_in_the_month_expires_nothing_twice():
    first = run(history(), at("2027-03-01", hour=0, minute=5))
    assert first is not None
    assert run(first.fan, at("2027-03-01", hour=0, minute=5)) is None
    assert run(first.fan, at("2027-03-31", hour=23)) is None
    assert "2026-02" not in first.fan.earned_by_month


def test_a_point_earned_at_2330_on_31_january_in_shanghai_goes_at_the_shanghai_month_end():
    zone = "Asia/Shanghai"
    late_january = at("2026-01-31", zone, hour=23, minute=30)  # 15:30 UTC, still January in Shanghai
    early_february = at("2026-02-01", zone, hour=0, minute=30)  # 16:30 UTC on 31 January
    fan = earn(earn(fans.Fan("f"), 3, late_january, zone), 5, early_february, zone)
    assert fan.earned_by_month == {"2026-01": 3, "2026-02": 5}
    end = at("2027-02-01", zone, hour=0)
    assert end == datetime(2027, 1, 31, 16, 0, tzinfo=UTC)
    assert run(fan, end - timedelta(seconds=1), zone=zone) is None
    assert summary(run(fan, end, zone=zone)) == [(-3, 5, "expiry:2026-01")]


def test_a_day_that_has_not_begun_in_the_community_zone_cannot_expire_anything():
    fan = earn(fans.Fan("f"), 3, at("2026-01-31", "Asia/Shanghai", hour=23), "Asia/Shanghai")
    with pytest.raises(ValueError, match="not begun"):
        expiry.expire(fan, date(2027, 2, 1), 12, "Asia/Shanghai", datetime(2027, 1, 31, 15, 59, tzinfo=UTC))


def test_month_end_across_a_dst_change_in_berlin():
    # Earned in winter time (UTC+1); with 2 months the points go when April begins in summer time (UTC+2).
    zone = "Europe/Berlin"
    fan = earn(fans.Fan("f"), 7, at("2026-01-31", zone, hour=23, minute=30), zone)
    assert fan.earned_by_month == {"2026-01": 7}
    assert run(fan, datetime(2026, 3, 31, 21, 59, tzinfo=UTC), months=2, zone=zone) is None
    assert summary(run(fan, datetime(2026, 3, 31, 22, 0, tzinfo=UTC), months=2, zone=zone)) == [
        (-7, 0, "expiry:2026-01")
    ]


def test_deferred_awards_are_written_with_the_expiry_before_its_entries():
    award_at = at("2027-02-01", hour=9)
    pending = tuple(
        PendingAward("liked", award_at, award_at, f"p:{n}", points=2, cap=None, author=None, completion=None)
        for n in range(2)
    )
    base = history()
    fan = settle(StoredFan(base, pending), "UTC", SCORE)
    change = run(fan, at("2027-03-01"))
    assert change is not None
    assert change.settled[:2] == fan.settling
    assert [e.entry_id for e in change.entries] == [fans.entry_id_for(base.version + n) for n in (1, 2, 3)]
    assert summary(change) == [(2, 72, "p:0"), (2, 74, "p:1"), (-30, 44, "expiry:2026-02")]
    assert change.fan.settling == () and change.fan.earned_by_month == {"2026-03": 40, "2027-02": 4}


def test_a_refund_counts_from_the_month_it_is_credited():
    fan = earn(fans.Fan("f"), 100, at("2026-01-10"))
    redemption = rewards.Redemption("r1", "f", "cap", 1, 100, "confirmed", at("2026-06-01"), 0)
    fan = spend(fan, 100, at("2026-06-01"))
    refunded, _ = rewards.plan_cancellation(fan, redemption, at("2026-09-15"), "UTC")
    fan = refunded.fan
    assert fan.earned_by_month == {"2026-01": 100, "2026-09": 100} and fan.lifetime_points == 100
    pruned = run(fan, at("2027-02-01"))
    assert pruned is not None and pruned.entries == () and pruned.fan.balance == 100
    assert run(pruned.fan, at("2027-09-30")) is None
    assert summary(run(pruned.fan, at("2027-10-01"))) == [(-100, 0, "expiry:2026-09")]


def test_the_balance_never_goes_below_zero_even_if_buckets_promise_more():
    fan = fans.Fan("f", balance=10, earned_by_month={"2026-01": 50}, version=4)
    change = run(fan, at("2027-02-01"))
    assert summary(change) == [(-10, 0, "expiry:2026-01")]


def test_expired_lists_each_month_for_its_event():
    change = run(history(), at("2027-04-01"))
    assert change is not None
    assert [(e.month, e.points, e.balance_after) for e in expiry.expired(change)] == [
        ("2026-02", 30, 40),
        ("2026-03", 40, 0),
    ]
    assert [expiry.expired_by(entry) for entry in change.entries] == expiry.expired(change)
    assert expiry.expired_by(fans.LedgerEntry("f", "000000000009", at("2027-04-01"), 5, 5, "checkin", "x")) is None


def test_notices_are_due_30_and_7_days_before_the_last_day():
    fan = history()  # 30 left of February 2026 (last day 2027-02-28), 40 of March (2027-03-31)
    assert expiry.expiring_notices(fan, date(2027, 1, 28), 12) == []
    [warning] = expiry.expiring_notices(fan, date(2027, 1, 29), 12)
    assert (warning.month, warning.points, warning.expires_on, warning.days_ahead) == (
        "2026-02",
        30,
        date(2027, 2, 28),
        30,
    )
    [last_call] = expiry.expiring_notices(fan, date(2027, 2, 21), 12)
    assert (last_call.month, last_call.days_ahead) == ("2026-02", 7)
    assert (warning.key, last_call.key) == ("2026-02:30", "2026-02:7")
    assert expiry.parse_notice_key(last_call.key) == ("2026-02", 7)
    assert [n.month for n in expiry.expiring_notices(fan, date(2027, 3, 1), 12)] == ["2026-03"]


def test_no_notice_for_a_month_already_spent():
    fan = history()
    assert expiry.expiring_notices(fan, date(2027, 1, 1), 12) == []  # January 2026 was spent in full
    assert expiry.expiring_notices(spend(fan, 30, at("2027-01-20")), date(2027, 1, 29), 12) == []


def test_notices_are_recorded_once_due_and_leave_with_their_month():
    fan = history()
    assert expiry.noticed(fan, date(2027, 1, 28), 12) == frozenset()
    warned = replace(fan, expiry_notices=expiry.noticed(fan, date(2027, 1, 29), 12))
    assert warned.expiry_notices == {"2026-02:30"}
    assert expiry.noticed(warned, date(2027, 1, 30), 12) == {"2026-02:30"}  # kept: the month is still held
    last_call = expiry.noticed(warned, date(2027, 2, 21), 12)
    assert last_call == {"2026-02:30", "2026-02:7"}
    change = run(replace(warned, expiry_notices=last_call), at("2027-03-01"))
    assert change is not None and "2026-02" not in change.fan.earned_by_month
    assert expiry.noticed(change.fan, date(2027, 3, 1), 12) == {"2026-03:30"}  # February's keys left with it
