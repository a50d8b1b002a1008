"""Local-day and streak arithmetic, across midnight in non-UTC zones and daylight-saving changes."""

from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import days

UTC = timezone.utc


def test_local_day_crosses_midnight_earlier_in_shanghai_than_utc():
    # 16:30 UTC is 00:30 the next day in Shanghai (UTC+8).
    instant = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert days.local_day(instant, "UTC") == date(2026, 3, 1)
    assert days.local_day(instant, "Asia/Shanghai") == date(2026, 3, 2)


def test_local_day_one_second_before_and_after_local_midnight():
    before = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
    after = before + timedelta(seconds=1)
    assert days.local_day(before, "Asia/Shanghai") == date(2026, 3, 1)
    assert days.local_day(after, "Asia/Shanghai") == date(2026, 3, 2)


def test_local_day_behind_utc():
    instant = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert days.local_day(instant, "America/Los_Angeles") == date(2026, 2, 28)


def test_local_day_on_spring_forward_day_in_new_york():
    # 2026-03-08: clocks jump 02:00 -> 03:00 local; the day has 23 hours.
    start_of_day = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    end_of_day = datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC)  # 23:59:59 EDT
    assert days.local_day(start_of_day, "America/New_York") == date(2026, 3, 8)
    assert days.local_day(end_of_day, "America/New_York") == date(2026, 3, 8)
    assert days.local_day(end_of_day + timedelta(seconds=1), "America/New_York") == date(2026, 3, 9)


def test_local_day_on_fall_back_day_in_berlin():
    # 2026-10-25: 03:00 CEST -> 02:00 CET; the day has 25 hours.
    last_second = datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)  # 23:59:59 CET
    assert days.local_day(last_second, "Europe/Berlin") == date(2026, 10, 25)
    assert days.local_day(last_second + timedelta(seconds=1), "Europe/Berlin") == date(2026, 10, 26)


def test_naive_instant_is_refused():
    with pytest.raises(ValueError):
        days.local_day(datetime(2026, 1, 1), "UTC")


@pytest.mark.parametrize(
    ("previous", "streak", "today", "expected"),
    [
        (None, 0, date(2026, 1, 1), 1),
        (date(2026, 1, 1), 1, date(2026, 1, 2), 2),
        (date(2026, 1, 1), 6, date(2026, 1, 3), 1),
        (date(2025, 12, 31), 3, date(2026, 1, 1), 4),
        (date(2024, 2, 28), 2, date(2024, 2, 29), 3),
    ],
)
def test_next_streak(previous, streak, today, expected):
    assert days.next_streak(previous, streak, today) == expected


def test_streak_continues_across_a_23_hour_dst_day():
    first = days.local_day(datetime(2026, 3, 8, 4, 30, tzinfo=UTC), "America/New_York")  # 23:30 on 7th
    second = days.local_day(datetime(2026, 3, 9, 3, 30, tzinfo=UTC), "America/New_York")  # 23:30 on 8th
    assert (first, second) == (date(2026, 3, 7), date(2026, 3, 8))
    assert days.next_streak(first, 5, second) == 6


@pytest.mark.parametrize("name", ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Europe/Berlin"])
def test_known_zones_accepted(name):
    assert days.is_time_zone(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "Europe/"])
def test_unknown_zones_refused(name):
    assert not days.is_time_zone(name)


def test_add_months_wraps_years():
    assert days.add_months("2026-11", 3) == date(2027, 2, 1)
    assert days.add_months("2026-01", 12) == date(2027, 1, 1)


def test_zones_come_from_the_tzdata_package_and_exclude_what_is_not_a_zone():
    assert days.is_time_zone("Asia/Shanghai") and days.is_time_zone("America/Argentina/Buenos_Aires")
    for name in ("Factory", "localtime", "posixrules", "right/UTC", "posix/Europe/Paris", "/etc/localtime", "", "utc"):
        assert not days.is_time_zone(name), name
    assert days.zone("Europe/Lisbon").key == "Europe/Lisbon"


def test_overlapping_days_across_the_date_line_both_ways():
    d = date(2026, 12, 31)
    assert days.overlapping_days(d, "Pacific/Pago_Pago", "Pacific/Kiritimati") == [date(2027, 1, 1), date(2027, 1, 2)]
    west = days.overlapping_days(d, "Pacific/Kiritimati", "Pacific/Pago_Pago")
    assert west == [date(2026, 12, 29), date(2026, 12, 30)]
    assert days.overlapping_days(d, "UTC", "Etc/GMT-1") == [d, date(2027, 1, 1)]
    assert days.overlapping_days(d, "UTC", "UTC") == [d]


def test_carried_counts_never_give_back_a_fresh_day():
    counts = {"2026-03-28|liked": 3, "2026-03-29|liked": 1, "2026-03-29|shared": 2}
    carried = days.carry_day_counts(counts, "Asia/Shanghai", "Europe/Lisbon")  # Lisbon springs forward on the 29th
    assert carried == {
        "2026-03-27|liked": 3,
        "2026-03-28|liked": 3,
        "2026-03-29|liked": 1,
        "2026-03-28|shared": 2,
        "2026-03-29|shared": 2,
    }
