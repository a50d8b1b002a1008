"""Check-ins, profile, time zone and ledger through the HTTP API."""

from datetime import datetime, timedelta, timezone

from tests.support import ledger_sum, payload


def test_checkin_then_repeat_same_local_day(api, clock):
    first = api.call("POST", "/v1/checkins", who="fan-1")
    assert first.status_code == 201
    assert payload(first) == {
        "fan_id": "fan-1",
        "date": "2026-11-22",
        "streak": 1,
        "points_awarded": 10,
        "balance": 10,
        "already_checked_in": False,
    }
    clock.now += timedelta(hours=11)  # 23:00 in Shanghai, still the same local day
    again = api.call("POST", "/v1/checkins", who="fan-1")
    assert again.status_code == 200
    assert payload(again) == {
        "fan_id": "fan-1",
        "date": "2026-11-22",
        "streak": 1,
        "points_awarded": 0,
        "balance": 10,
        "already_checked_in": True,
    }


def test_streak_bonus_on_seventh_local_day_and_reset_after_gap(api, clock):
    for _ in range(7):
        last = payload(api.call("POST", "/v1/checkins", who="fan-1"))
        clock.now += timedelta(days=1)
    assert last["streak"] == 7 and last["points_awarded"] == 60 and last["balance"] == 120
    clock.now += timedelta(days=1)  # missed a day
    assert payload(api.call("POST", "/v1/checkins", who="fan-1"))["streak"] == 1


def test_community_zone_decides_the_day(api, clock):
    clock.now = datetime(2026, 11, 22, 15, 59, tzinfo=timezone.utc)  # 23:59 in Shanghai
    assert payload(api.call("POST", "/v1/checkins", who="fan-1"))["date"] == "2026-11-22"
    clock.now += timedelta(minutes=2)  # 00:01 next day in Shanghai, same UTC day
    second = api.call("POST", "/v1/checkins", who="fan-1")
    assert second.status_code == 201 and payload(second)["date"] == "2026-11-23"


def test_profile_of_new_fan_is_empty_and_writes_nothing(api):
    me = api.call("GET", "/v1/me", who="newcomer")
    assert me.status_code == 200
    assert payload(me) == {
        "fan_id": "newcomer",
        "time_zone": "Asia/Shanghai",
        "balance": 0,
        "tier_progress": {
            "score": 0,
            "next_tier": "potential",
            "score_to_next": None,
            "score_to_keep": None,
            "downgrade_warning": None,
        },
        "lifetime_points": 0,
        "tier": "silent",
        "tier_since": None,
        "lifecycle_stage": "awareness",
        "at_risk": False,
        "streak": 0,
        "last_checkin_date": None,
        "expiring": [],
        "linked_accounts": [],
    }
    assert api.call("GET", "/v1/admin/fans/newcomer", who="ops", admin=True).status_code == 404


def test_profile_after_checkin_shows_expiring_points(api):
    api.call("POST", "/v1/checkins", who="fan-1")
    me = payload(api.call("GET", "/v1/me", who="fan-1"))
    assert me["balance"] == 10 and me["streak"] == 1 and me["last_checkin_date"] == "2026-11-22"
    assert me["expiring"] == [{"points": 10, "expires_on": "2027-11-30"}]


def test_time_zone_change_moves_the_day_and_is_rate_limited(api, clock):
    clock.now = datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc)  # 04:00 23rd Shanghai, 12:00 22nd LA
    changed = api.call("PATCH", "/v1/me", who="fan-1", body={"time_zone": "America/Los_Angeles"})
    assert changed.status_code == 200 and payload(changed)["time_zone"] == "America/Los_Angeles"
    assert payload(api.call("POST", "/v1/checkins", who="fan-1"))["date"] == "2026-11-22"
    again = api.call("PATCH", "/v1/me", who="fan-1", body={"time_zone": "Asia/Tokyo"})
    assert again.status_code == 409 and payload(again)["code"] == "time_zone_change_too_soon"
    same = api.call("PATCH", "/v1/me", who="fan-1", body={"time_zone": "America/Los_Angeles"})
    assert same.status_code == 200
    clock.now += timedelta(days=30)
    assert api.call("PATCH", "/v1/me", who="fan-1", body={"time_zone": "Asia/Tokyo"}).status_code == 200


def test_patch_me_rejects_unknown_zone(api):
    bad = api.call("PATCH", "/v1/me", who="fan-1", body={"time_zone": "Mars/Base"})
    assert bad.status_code == 400
    assert payload(bad)["errors"] == [
        {"field": "time_zone", "message": "'Mars/Base' is not an IANA time zone such as 'Europe/Berlin'"}
    ]


def test_ledger_pages_newest_first_with_opaque_cursor(api, clock):
    for _ in range(5):
        api.call("POST", "/v1/checkins", who="fan-1")
        clock.now += timedelta(days=1)
    first = payload(api.call("GET", "/v1/me/ledger?limit=2", who="fan-1"))
    assert [e["ref"] for e in first["items"]] == ["2026-11-26", "2026-11-25"]
    assert first["items"][0]["balance_after"] == 50 and first["items"][0]["kind"] == "checkin"
    second = payload(api.call("GET", f"/v1/me/ledger?limit=2&cursor={first['next_cursor']}", who="fan-1"))
    third = payload(api.call("GET", f"/v1/me/ledger?limit=2&cursor={second['next_cursor']}", who="fan-1"))
    assert [e["ref"] for e in second["items"] + third["items"]] == ["2026-11-24", "2026-11-23", "2026-11-22"]
    assert third["next_cursor"] is None
    assert ledger_sum(api, "fan-1") == 50


def test_ledger_rejects_bad_limit_and_forged_cursor(api):
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=bm90LWEtY3Vyc29y"):
        response = api.call("GET", f"/v1/me/ledger?{query}", who="fan-1")
        assert response.status_code == 400, query
        assert payload(response)["code"] == "validation_error"


def test_health_is_public(api):
    response = api.call("GET", "/v1/health")
    assert response.status_code == 200 and payload(response)["status"] == "ok"
