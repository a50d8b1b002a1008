"""Check-in earning, point buckets and the never-below-zero rule, without AWS."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import fan as fans
from chalicelib.domain.checkin import CheckinRules, StreakBonus
from chalicelib.domain.errors import InsufficientPoints, TimeZoneChangeTooSoon

UTC = timezone.utc
RULES = CheckinRules(base_points=10, streak_bonuses=(StreakBonus(7, 50), StreakBonus(30, 200)))
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def test_points_for_streak_days():
    assert RULES.points_for(1) == 10
    assert RULES.points_for(7) == 60
    assert RULES.points_for(14) == 60
    assert RULES.points_for(210) == 260  # both bonuses
    assert CheckinRules(5, ()).points_for(7) == 5


def test_first_checkin_creates_state_and_entry():
    outcome = fans.check_in(fans.Fan("f"), NOW, "UTC", RULES)
    assert outcome.change is not None and outcome.points_awarded == 10
    fan = outcome.change.fan
    assert (fan.balance, fan.lifetime_points, fan.streak, fan.version) == (10, 10, 1, 1)
    assert outcome.change.previous_version == 0
    entry = outcome.change.entry
    assert entry is not None
    assert (entry.delta, entry.balance_after, entry.kind, entry.ref) == (10, 10, "checkin", "2026-11-22")


def test_second_checkin_same_local_day_awards_nothing():
    first = fans.check_in(fans.Fan("f"), NOW, "UTC", RULES).change
    assert first is not None
    again = fans.check_in(first.fan, NOW + timedelta(hours=19), "UTC", RULES)
    assert again.already_checked_in and again.points_awarded == 0


def test_day_is_the_fans_zone_not_utc():
    fan = fans.Fan("f", time_zone="Asia/Shanghai")
    first = fans.check_in(fan, datetime(2026, 11, 22, 15, 0, tzinfo=UTC), "UTC", RULES).change  # 23:00 local
    assert first is not None
    second = fans.check_in(first.fan, datetime(2026, 11, 22, 16, 30, tzinfo=UTC), "UTC", RULES)  # 00:30 next
    assert not second.already_checked_in and second.day == date(2026, 11, 23)
    assert second.change is not None and second.change.fan.streak == 2


def test_seventh_day_earns_bonus_and_gap_resets():
    fan = fans.Fan("f")
    for day in range(7):
        change = fans.check_in(fan, NOW + timedelta(days=day), "UTC", RULES).change
        assert change is not None
        fan = change.fan
    assert fan.streak == 7 and fan.balance == 6 * 10 + 60
    change = fans.check_in(fan, NOW + timedelta(days=9), "UTC", RULES).change
    assert change is not None and change.fan.streak == 1


def test_debit_never_goes_below_zero():
    fan = replace(fans.Fan("f", balance=30, earned_by_month={"2026-11": 30}), version=3)
    with pytest.raises(InsufficientPoints):
        fans.debit(fan, 31, "redemption", "r", NOW)
    change = fans.debit(fan, 30, "redemption", "r", NOW)
    assert change.fan.balance == 0 and change.entry is not None and change.entry.balance_after == 0


def test_adjust_negative_beyond_balance_refused():
    with pytest.raises(InsufficientPoints):
        fans.adjust(fans.Fan("f", balance=5), -6, "oops", NOW, "UTC")


def test_expiring_consumes_oldest_buckets_first():
    fan = fans.Fan("f", balance=70, earned_by_month={"2026-01": 40, "2026-02": 30, "2026-03": 20}, consumed=60)
    left = fans.expiring(fan, 12)
    assert [(e.points, e.expires_on) for e in left] == [(10, date(2027, 2, 28)), (20, date(2027, 3, 31))]


def test_credit_goes_to_the_community_month():
    # 2026-11-30 17:00 UTC is already December 1st in Shanghai.
    change = fans.credit(fans.Fan("f"), 10, "checkin", "x", datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "Asia/Shanghai")
    assert change.fan.earned_by_month == {"2026-12": 10}


def test_time_zone_first_choice_free_then_limited():
    fan = fans.Fan("f", version=1)
    first = fans.change_time_zone(fan, "Asia/Tokyo", NOW, 30, "UTC")
    assert first is not None and first.fan.time_zone == "Asia/Tokyo"
    with pytest.raises(TimeZoneChangeTooSoon):
        fans.change_time_zone(first.fan, "Europe/Paris", NOW + timedelta(days=29), 30, "UTC")
    later = fans.change_time_zone(first.fan, "Europe/Paris", NOW + timedelta(days=30), 30, "UTC")
    assert later is not None and later.fan.time_zone == "Europe/Paris"
    assert fans.change_time_zone(first.fan, "Asia/Tokyo", NOW, 30, "UTC") is None


def test_a_check_in_day_is_judged_in_the_current_zone_from_the_last_check_ins_instant():
    rules = CheckinRules(base_points=10, streak_bonuses=())
    evening = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)  # 1 Dec in UTC, 2 Dec in Kiritimati (+14)
    first = fans.check_in(fans.Fan("f", time_zone="UTC", version=1), evening, "UTC", rules)
    assert first.change is not None
    moved = fans.change_time_zone(first.change.fan, "Pacific/Kiritimati", evening, 30, "UTC")
    assert moved is not None and moved.fan.last_checkin_date == date(2026, 12, 2)
    assert fans.check_in(moved.fan, evening + timedelta(minutes=5), "UTC", rules).already_checked_in
    next_day = fans.check_in(moved.fan, evening + timedelta(hours=12), "UTC", rules)  # 3 Dec in Kiritimati
    assert next_day.change is not None and next_day.change.fan.streak == 2


def test_linking_another_account_remembers_the_former_one():
    fan = fans.Fan("f").with_account("tiktok", "a").with_account("tiktok", "b").with_account("youtube", "y")
    assert fan.linked_accounts == {"tiktok": "b", "youtube": "y"}
    assert fan.owns("tiktok", "a") and fan.owns("tiktok", "b") and not fan.owns("youtube", "a")
    assert fan.with_account("tiktok", None).owns("tiktok", "b")
