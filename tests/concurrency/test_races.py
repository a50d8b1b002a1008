"""No oversell, no double spend, one award per day, whatever the interleaving."""

from collections import Counter

from tests.concurrency.support import run_concurrently
from tests.support import ledger_sum, payload, reward_body


def _balance(api, fan):
    return payload(api.call("GET", "/v1/me", who=fan))["balance"]


def test_200_fans_racing_for_10_items(api):
    api.call("PUT", "/v1/admin/rewards/drop", who="ops", admin=True, body=reward_body(cost=10, stock_remaining=10))
    fans = [f"fan-{i:03d}" for i in range(200)]
    for fan in fans:
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
    calls = [
        lambda f=fan: api.call("POST", "/v1/redemptions", who=f, key="k", body={"reward_id": "drop"}) for fan in fans
    ]
    responses = run_concurrently(calls)
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 10, statuses
    assert all(payload(r)["code"] == "out_of_stock" for r in responses if r.status_code == 409)
    assert statuses[201] + statuses[409] == 200, statuses
    stock = payload(api.call("GET", "/v1/rewards", who="ops", admin=True))["items"][0]["stock_remaining"]
    assert stock == 0
    winners = {fans[i] for i, r in enumerate(responses) if r.status_code == 201}
    for fan in fans:
        assert _balance(api, fan) == ledger_sum(api, fan) == (0 if fan in winners else 10)


def test_one_fan_50_redemptions_balance_covers_3(api):
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=10, stock_remaining=100))
    api.call("POST", "/v1/checkins", who="fan-1")
    api.call(
        "POST", "/v1/admin/fans/fan-1/adjustments", who="ops", admin=True, key="a", body={"delta": 20, "reason": "t"}
    )
    calls = [
        lambda i=i: api.call("POST", "/v1/redemptions", who="fan-1", key=f"k{i}", body={"reward_id": "pin"})
        for i in range(50)
    ]
    responses = run_concurrently(calls)
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 3, statuses
    refused = [payload(r)["code"] for r in responses if r.status_code != 201]
    assert set(refused) <= {"insufficient_points", "service_unavailable"}, Counter(refused)
    assert _balance(api, "fan-1") == ledger_sum(api, "fan-1") == 0
    assert payload(api.call("GET", "/v1/rewards", who="ops", admin=True))["items"][0]["stock_remaining"] == 97
    assert len(payload(api.call("GET", "/v1/me/redemptions", who="fan-1"))["items"]) == 3


def test_50_concurrent_checkins_award_once(api):
    responses = run_concurrently([lambda: api.call("POST", "/v1/checkins", who="fan-1") for _ in range(50)])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 200: 49}), statuses
    assert all(payload(r)["balance"] == 10 for r in responses)
    assert _balance(api, "fan-1") == ledger_sum(api, "fan-1") == 10


def test_concurrent_duplicates_of_one_key_have_one_effect(api):
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=1, stock_remaining=100))
    api.call("POST", "/v1/checkins", who="fan-1")
    calls = [
        lambda: api.call("POST", "/v1/redemptions", who="fan-1", key="same", body={"reward_id": "pin"})
        for _ in range(20)
    ]
    responses = run_concurrently(calls)
    assert {r.status_code for r in responses} == {201}
    assert len({r.body for r in responses}) == 1
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") == "true") == 19
    assert _balance(api, "fan-1") == ledger_sum(api, "fan-1") == 9
