"""A zone change gives no second check-in inside the real day already checked in, moving east or west."""

from datetime import datetime, timedelta, timezone

from tests.support import payload

UTC = timezone.utc


def test_moving_west_does_not_give_a_second_checkin_in_the_same_real_day(api, clock):
    # Community zone in tests is Asia/Shanghai (UTC+8). 00:30 in Shanghai on 2026-11-22.
    clock.now = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)
    first = api.call("POST", "/v1/checkins", who="fan-w")
    assert first.status_code == 201 and payload(first)["date"] == "2026-11-22"
    clock.now += timedelta(minutes=5)
    assert api.call("PATCH", "/v1/me", who="fan-w", body={"time_zone": "Pacific/Pago_Pago"}).status_code == 200
    # 2026-11-22 11:00 UTC: still 19:00 on 2026-11-22 in Shanghai, the real day already checked in
    # (it ends at 16:00 UTC); in Pago Pago (UTC-11) a new calendar day has just begun.
    clock.now = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    second = api.call("POST", "/v1/checkins", who="fan-w")
    assert payload(second)["already_checked_in"] is True, payload(second)


def test_moving_east_does_not_give_a_second_checkin_in_the_same_real_day(api, clock):
    from zoneinfo import ZoneInfo

    assert api.call("PATCH", "/v1/me", who="fan-e", body={"time_zone": "Pacific/Pago_Pago"}).status_code == 200
    clock.now += timedelta(days=31)
    # 22:00 on 2026-12-23 in Pago Pago (UTC-11) = 2026-12-24 09:00 UTC; that real day ends at 11:00 UTC.
    clock.now = datetime(2026, 12, 23, 22, 0, tzinfo=ZoneInfo("Pacific/Pago_Pago")).astimezone(UTC)
    assert payload(api.call("POST", "/v1/checkins", who="fan-e"))["already_checked_in"] is False
    clock.now += timedelta(minutes=5)
    assert api.call("PATCH", "/v1/me", who="fan-e", body={"time_zone": "Pacific/Kiritimati"}).status_code == 200
    # 10:05 UTC: 23:05 on 2026-12-23 in Pago Pago (the same real day), 00:05 on 2026-12-25 in Kiritimati.
    clock.now = datetime(2026, 12, 24, 10, 5, tzinfo=UTC)
    second = payload(api.call("POST", "/v1/checkins", who="fan-e"))
    assert second["already_checked_in"] is True, second
