"""Operator routes: catalogue, restock, adjustments and fan lookups."""

from datetime import datetime, timedelta, timezone

from tests.support import balance, ledger_sum, payload, reward_body, state


def test_put_creates_then_replaces(api):
    created = api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body())
    assert created.status_code == 201
    replaced = api.call(
        "PUT",
        "/v1/admin/rewards/poster",
        who="ops",
        admin=True,
        body=reward_body(name="Poster v2", per_fan_limit=2, min_tier="active"),
    )
    assert replaced.status_code == 200
    assert payload(replaced) == {
        "reward_id": "poster",
        "name": "Poster v2",
        "cost": 30,
        "stock_remaining": 10,
        "per_fan_limit": 2,
        "min_tier": "active",
        "available_from": None,
        "available_until": None,
    }


def test_catalogue_hides_ended_and_higher_tier_rewards_from_fans(api, clock):
    api.call("PUT", "/v1/admin/rewards/open", who="ops", admin=True, body=reward_body())
    api.call("PUT", "/v1/admin/rewards/vip", who="ops", admin=True, body=reward_body(min_tier="head"))
    ended = (clock.now - timedelta(days=1)).isoformat()
    api.call("PUT", "/v1/admin/rewards/ended", who="ops", admin=True, body=reward_body(available_until=ended))
    soon = (clock.now + timedelta(days=3)).isoformat()
    api.call("PUT", "/v1/admin/rewards/soon", who="ops", admin=True, body=reward_body(available_from=soon))
    fan_view = [r["reward_id"] for r in payload(api.call("GET", "/v1/rewards", who="fan-1"))["items"]]
    assert fan_view == ["open", "soon"]
    ops_view = [r["reward_id"] for r in payload(api.call("GET", "/v1/rewards", who="ops", admin=True))["items"]]
    assert ops_view == ["open", "soon", "vip"]


def test_restock_is_exact_and_idempotent(api):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(stock_remaining=2))
    first = api.call("POST", "/v1/admin/rewards/poster/restock", who="ops", admin=True, key="r1", body={"quantity": 5})
    assert first.status_code == 200 and payload(first)["stock_remaining"] == 7
    again = api.call("POST", "/v1/admin/rewards/poster/restock", who="ops", admin=True, key="r1", body={"quantity": 5})
    assert again.body == first.body and again.headers["Idempotent-Replayed"] == "true"
    reused = api.call("POST", "/v1/admin/rewards/poster/restock", who="ops", admin=True, key="r1", body={"quantity": 6})
    assert reused.status_code == 422
    missing = api.call("POST", "/v1/admin/rewards/nope/restock", who="ops", admin=True, key="r2", body={"quantity": 1})
    assert missing.status_code == 404 and payload(missing)["code"] == "reward_not_found"
    assert payload(api.call("GET", "/v1/rewards", who="ops", admin=True))["items"][0]["stock_remaining"] == 7


def test_adjustments_credit_debit_and_never_below_zero(api):
    api.call("POST", "/v1/checkins", who="fan-1")
    credit = api.call(
        "POST",
        "/v1/admin/fans/fan-1/adjustments",
        who="ops",
        admin=True,
        key="a1",
        body={"delta": 40, "reason": "goodwill"},
    )
    assert credit.status_code == 201
    body = payload(credit)
    assert body["balance"] == 50 and body["entry"]["kind"] == "adjustment" and body["entry"]["ref"] == "goodwill"
    before = state()
    too_much = api.call(
        "POST",
        "/v1/admin/fans/fan-1/adjustments",
        who="ops",
        admin=True,
        key="a2",
        body={"delta": -51, "reason": "clawback"},
    )
    assert too_much.status_code == 409 and payload(too_much)["code"] == "insufficient_points"
    assert state() == before
    debit = api.call(
        "POST",
        "/v1/admin/fans/fan-1/adjustments",
        who="ops",
        admin=True,
        key="a3",
        body={"delta": -50, "reason": "clawback"},
    )
    assert payload(debit)["balance"] == 0
    assert ledger_sum(api, "fan-1") == 0
    profile = payload(api.call("GET", "/v1/admin/fans/fan-1", who="ops", admin=True))
    assert profile["balance"] == 0 and profile["lifetime_points"] == 50


def test_adjustment_for_unknown_fan_is_404(api):
    response = api.call(
        "POST", "/v1/admin/fans/ghost/adjustments", who="ops", admin=True, key="a1", body={"delta": 5, "reason": "x"}
    )
    assert response.status_code == 404 and payload(response)["code"] == "fan_not_found"


def test_admin_reads_fan_profile(api):
    api.call("POST", "/v1/checkins", who="fan-1")
    response = api.call("GET", "/v1/admin/fans/fan-1", who="ops", admin=True)
    assert response.status_code == 200 and payload(response)["balance"] == 10


def test_reward_window_must_be_ordered_and_tz_aware(api):
    start = datetime(2027, 1, 1, tzinfo=timezone.utc)
    ok = api.call(
        "PUT",
        "/v1/admin/rewards/w",
        who="ops",
        admin=True,
        body=reward_body(available_from=start.isoformat(), available_until=(start + timedelta(days=1)).isoformat()),
    )
    assert ok.status_code == 201
    assert payload(ok)["available_from"] == "2027-01-01T00:00:00Z"


def test_a_blank_adjustment_reason_is_400_and_credits_nothing(api):
    assert api.call("POST", "/v1/checkins", who="fan-1").status_code == 201
    before = balance(api, "fan-1")
    body = {"delta": 5, "reason": "   "}
    response = api.call("POST", "/v1/admin/fans/fan-1/adjustments", who="ops", admin=True, key="blank", body=body)
    assert response.status_code == 400 and payload(response)["code"] == "validation_error"
    assert balance(api, "fan-1") == before
