"""Ways to earn points the rules forbid, tried as a farming fan or a hostile platform would.

Each runs with warm caches and as if every delivery reached a new container (awards deferred).
"""

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.support import Platform, balance, ledger_sum, payload

UTC = timezone.utc


@pytest.fixture(params=["warm", "cold"])
def tiktok(api, request):
    return Platform(api, cold=request.param == "cold")


def test_like_unlike_relike_compare_instants_whatever_the_offsets(api, clock, tiktok):
    """A re-like older than the unlike must not earn again, even when its offset makes the string sort later."""
    tiktok.link("fan-1", "tt-1")
    start = clock.now
    tiktok.engage("liked", "tt-1", "c1", start)
    clock.now = start + timedelta(minutes=10)
    tiktok.engage("unliked", "tt-1", "c1", start + timedelta(minutes=10))
    shanghai = (start + timedelta(minutes=5)).astimezone(ZoneInfo("Asia/Shanghai"))  # "…T12:05+08:00"
    tiktok.engage("liked", "tt-1", "c1", shanghai)
    assert balance(api, "fan-1") == 0 == ledger_sum(api, "fan-1")
    newer = (start + timedelta(minutes=11)).astimezone(ZoneInfo("America/Los_Angeles"))  # "…T20:11-08:00", later
    tiktok.engage("liked", "tt-1", "c1", newer)
    assert balance(api, "fan-1") == 1 == ledger_sum(api, "fan-1")


def test_content_published_through_a_former_account_is_still_the_fans_own(api, clock, tiktok):
    tiktok.link("fan-1", "old-account")
    tiktok.publish("old-account", "my-post", clock.now)
    earned_by_publishing = balance(api, "fan-1")
    tiktok.link("fan-1", "new-account")  # the platform now vouches for another account of the same fan
    for kind in ("liked", "commented", "shared"):
        tiktok.engage(kind, "new-account", "my-post", clock.now)
    assert balance(api, "fan-1") == earned_by_publishing == ledger_sum(api, "fan-1")
    tiktok.engage("liked", "new-account", "someone-elses-post", clock.now)
    assert balance(api, "fan-1") == earned_by_publishing + 1


def test_ids_with_separators_cannot_reach_another_users_engagement(api, clock, tiktok):
    tiktok.link("victim", "x#y")
    tiktok.link("attacker", "y")
    tiktok.engage("liked", "x#y", "c", clock.now)  # stored once as tiktok#c#x#y#liked
    assert balance(api, "victim") == 1
    clock.now += timedelta(minutes=1)
    tiktok.engage("unliked", "y", "c#x", clock.now)  # would have been the same key
    assert balance(api, "victim") == 1 == ledger_sum(api, "victim")
    clock.now += timedelta(minutes=1)
    tiktok.engage("liked", "y", "c#x", clock.now)  # a later like of its own, not blocked by the victim's
    assert balance(api, "attacker") == 1


def test_back_dated_deliveries_are_capped_per_day_and_counted(api, clock, tiktok, capsys):
    tiktok.link("fan-1", "tt-1")
    three_days_ago = clock.now - timedelta(days=3)
    for n in range(6):  # the test settings cap likes at 3 a day
        tiktok.engage("liked", "tt-1", f"old-{n}", three_days_ago + timedelta(minutes=n))
    assert balance(api, "fan-1") == 3 == ledger_sum(api, "fan-1")
    backdated = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "EngagementsBackdated" in line
    ]
    assert len(backdated) == 6 and all(m["kind"] == "liked" for m in backdated)


def set_zone(api, fan, zone):
    response = api.call("PATCH", "/v1/me", who=fan, body={"time_zone": zone})
    assert response.status_code == 200, response.body
    return payload(response)


def check_in(api, fan):
    return payload(api.call("POST", "/v1/checkins", who=fan))


@pytest.mark.parametrize(
    ("first", "second", "hour"),
    [
        ("Pacific/Pago_Pago", "Pacific/Kiritimati", 22),  # east across the date line: -11 to +14
        ("Pacific/Kiritimati", "Pacific/Pago_Pago", 1),  # west across it: the new calendar goes back a day
        ("Asia/Shanghai", "Europe/Lisbon", 23),  # no date line, a daylight-saving zone
    ],
)
def test_a_time_zone_change_never_replays_a_day(api, clock, tiktok, first, second, hour):
    tiktok.link("fan-1", "tt-1")
    set_zone(api, "fan-1", first)
    clock.now = datetime(2026, 12, 1, hour, 30, tzinfo=ZoneInfo(first)).astimezone(UTC)
    assert check_in(api, "fan-1")["already_checked_in"] is False
    for n in range(3):  # the day's cap of likes
        tiktok.engage("liked", "tt-1", f"a{n}", clock.now - timedelta(minutes=n))
    earned = balance(api, "fan-1")
    clock.now += timedelta(days=30)
    set_zone(api, "fan-1", first)  # (no change) keeps the state; the next change is allowed from now
    clock.now = datetime(2026, 12, 31, hour, 30, tzinfo=ZoneInfo(first)).astimezone(UTC)
    assert check_in(api, "fan-1")["already_checked_in"] is False
    for n in range(3):
        tiktok.engage("liked", "tt-1", f"b{n}", clock.now - timedelta(minutes=n))
    earned = balance(api, "fan-1")
    set_zone(api, "fan-1", second)
    clock.now += timedelta(minutes=1)  # the new zone's calendar may say another date: it is the same day
    again = check_in(api, "fan-1")
    assert again["already_checked_in"] is True and again["points_awarded"] == 0
    for n in range(3):
        tiktok.engage("liked", "tt-1", f"c{n}", clock.now)
    assert balance(api, "fan-1") == earned == ledger_sum(api, "fan-1")
    checked_day = datetime(2026, 12, 31, tzinfo=ZoneInfo(first))
    old_day_end = (checked_day + timedelta(days=1)).astimezone(UTC)  # when the day checked in ended
    new_day = old_day_end.astimezone(ZoneInfo(second)).date() + timedelta(days=1)
    new_day_start = datetime.combine(new_day, datetime.min.time(), ZoneInfo(second))
    clock.now = (new_day_start - timedelta(minutes=1)).astimezone(UTC)
    assert check_in(api, "fan-1")["already_checked_in"] is True  # the new-zone day overlapping the old one
    clock.now += timedelta(minutes=2)  # the first new-zone day that began after the old day ended
    assert check_in(api, "fan-1")["already_checked_in"] is False
