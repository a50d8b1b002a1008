"""Redemptions: success, every refusal, idempotency, and operator cancel/fulfil."""

from datetime import timedelta

import pytest

from tests.support import ledger_sum, payload, reward_body, snapshot, state


@pytest.fixture
def shop(api):
    """A catalogue and a fan with 100 points."""
    assert api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body()).status_code == 201
    assert (
        api.call(
            "POST",
            "/v1/admin/fans/fan-1/adjustments",
            who="ops",
            admin=True,
            key="seed-0",
            body={"delta": 100, "reason": "test"},
        ).status_code
        == 404
    )
    api.call("POST", "/v1/checkins", who="fan-1")
    assert (
        api.call(
            "POST",
            "/v1/admin/fans/fan-1/adjustments",
            who="ops",
            admin=True,
            key="seed-1",
            body={"delta": 90, "reason": "test"},
        ).status_code
        == 201
    )
    return api


def redeem(api, key, who="fan-1", **body):
    return api.call("POST", "/v1/redemptions", who=who, key=key, body={"reward_id": "poster", **body})


def test_redemption_debits_points_takes_stock_and_records(shop):
    response = redeem(shop, "k1", quantity=2)
    assert response.status_code == 201
    body = payload(response)
    assert body["reward_id"] == "poster" and body["quantity"] == 2 and body["points_spent"] == 60
    assert body["status"] == "confirmed" and body["balance"] == 40 and body["redemption_id"].startswith("rdm_")
    assert payload(shop.call("GET", "/v1/me", who="fan-1"))["balance"] == 40
    rewards = payload(shop.call("GET", "/v1/rewards", who="fan-1"))["items"]
    assert rewards[0]["stock_remaining"] == 8
    own = shop.call("GET", f"/v1/redemptions/{body['redemption_id']}", who="fan-1")
    assert own.status_code == 200 and payload(own) == body
    listed = payload(shop.call("GET", "/v1/me/redemptions", who="fan-1"))
    assert listed == {"items": [body], "next_cursor": None}
    assert ledger_sum(shop, "fan-1") == 40


def test_replay_returns_original_and_changes_nothing(shop):
    first = redeem(shop, "k1")
    before = snapshot()
    again = redeem(shop, "k1")
    assert again.status_code == 201 and again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert snapshot() == before


def test_same_key_other_body_is_422_and_changes_nothing(shop):
    redeem(shop, "k1")
    before = snapshot()
    other = redeem(shop, "k1", quantity=2)
    assert other.status_code == 422 and payload(other)["code"] == "idempotency_key_reused"
    assert snapshot() == before


def test_keys_are_scoped_per_fan(shop):
    shop.call(
        "POST", "/v1/admin/fans/fan-1/adjustments", who="ops", admin=True, key="x", body={"delta": 1, "reason": "r"}
    )
    shop.call("POST", "/v1/checkins", who="fan-2")
    shop.call("PUT", "/v1/admin/rewards/cheap", who="ops", admin=True, body=reward_body(cost=5))
    assert redeem(shop, "shared", reward_id="cheap").status_code == 201
    second = shop.call("POST", "/v1/redemptions", who="fan-2", key="shared", body={"reward_id": "cheap"})
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers


def test_replay_after_key_expiry_is_a_new_request(shop, clock):
    first = redeem(shop, "k1")
    clock.now += timedelta(hours=24, seconds=1)
    second = redeem(shop, "k1")
    assert second.status_code == 201 and payload(second)["redemption_id"] != payload(first)["redemption_id"]


def test_replay_is_answered_even_when_state_changed(shop):
    first = redeem(shop, "k1", quantity=3)  # spends 90 of 100
    assert first.status_code == 201
    again = redeem(shop, "k1", quantity=3)  # would now be insufficient
    assert again.status_code == 201 and again.body == first.body


@pytest.mark.parametrize(
    ("setup", "body", "status", "code"),
    [
        ({"cost": 101}, {}, 409, "insufficient_points"),
        ({"stock_remaining": 0}, {}, 409, "out_of_stock"),
        ({"stock_remaining": 1}, {"quantity": 2}, 409, "out_of_stock"),
        ({"per_fan_limit": 1}, {"quantity": 2}, 409, "limit_reached"),
        ({"min_tier": "head"}, {}, 409, "tier_required"),
        ({"available_from": "2030-01-01T00:00:00+00:00"}, {}, 409, "reward_unavailable"),
        ({"available_until": "2026-01-01T00:00:00+08:00"}, {}, 409, "reward_unavailable"),
        ({}, {"reward_id": "missing"}, 404, "reward_not_found"),
    ],
)
def test_refusals_change_nothing(shop, setup, body, status, code):
    shop.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(**setup))
    before = state()
    response = redeem(shop, "k-refused", **body)
    assert response.status_code == status, response.body
    problem = payload(response)
    assert problem["code"] == code and problem["status"] == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert state() == before
    again = redeem(shop, "k-refused", **body)  # a refusal is a result: replayed under its key
    assert (again.status_code, again.body) == (status, response.body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == "application/problem+json"


def test_a_refusal_stays_the_answer_under_its_key_and_a_new_key_tries_again(shop):
    shop.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(stock_remaining=0))
    assert redeem(shop, "k1").status_code == 409
    shop.call("POST", "/v1/admin/rewards/poster/restock", who="ops", admin=True, key="r1", body={"quantity": 1})
    replayed = redeem(shop, "k1")
    assert replayed.status_code == 409 and payload(replayed)["code"] == "out_of_stock"
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert redeem(shop, "k1", quantity=2).status_code == 422  # another request under the same key
    assert redeem(shop, "k2").status_code == 201


def test_the_fingerprint_is_of_the_request_after_defaults(shop):
    first = shop.call("POST", "/v1/redemptions", who="fan-1", key="d1", body={"reward_id": "poster"})
    spelled = {"quantity": 1, "reward_id": "poster"}
    spelled_out = shop.call("POST", "/v1/redemptions", who="fan-1", key="d1", body=spelled)
    assert first.status_code == spelled_out.status_code == 201
    assert spelled_out.headers["Idempotent-Replayed"] == "true" and spelled_out.body == first.body


def test_per_fan_limit_counts_across_redemptions(shop):
    shop.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(per_fan_limit=2, cost=1))
    assert redeem(shop, "a").status_code == 201
    assert redeem(shop, "b").status_code == 201
    assert payload(redeem(shop, "c"))["code"] == "limit_reached"


def test_stale_cached_reward_is_rechecked(shop):
    from dataclasses import replace

    from chalicelib.services import catalogue

    assert redeem(shop, "a").status_code == 201  # balance 70; reward cached at cost 30
    stale = catalogue.cached("poster")
    shop.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=71))
    catalogue.remember(replace(stale, stock_remaining=9))  # an out-of-date copy stays warm
    before = state()
    response = redeem(shop, "b")
    assert response.status_code == 409 and payload(response)["code"] == "insufficient_points"
    assert state() == before
    assert catalogue.cached("poster").cost == 71


def test_other_fans_redemption_is_not_found(shop):
    rid = payload(redeem(shop, "k1"))["redemption_id"]
    response = shop.call("GET", f"/v1/redemptions/{rid}", who="fan-2")
    assert response.status_code == 404 and payload(response)["code"] == "redemption_not_found"


def test_cancel_refunds_returns_stock_once(shop):
    rid = payload(redeem(shop, "k1", quantity=2))["redemption_id"]
    cancel = shop.call("POST", f"/v1/admin/redemptions/{rid}/cancel", who="ops", admin=True, key="c1")
    assert cancel.status_code == 200
    assert payload(cancel)["status"] == "cancelled" and payload(cancel)["balance"] == 100
    replay = shop.call("POST", f"/v1/admin/redemptions/{rid}/cancel", who="ops", admin=True, key="c1")
    assert replay.body == cancel.body and replay.headers["Idempotent-Replayed"] == "true"
    twice = shop.call("POST", f"/v1/admin/redemptions/{rid}/cancel", who="ops", admin=True, key="c2")
    assert twice.status_code == 409 and payload(twice)["code"] == "invalid_redemption_state"
    assert payload(shop.call("GET", "/v1/rewards", who="fan-1"))["items"][0]["stock_remaining"] == 10
    ledger = payload(shop.call("GET", "/v1/me/ledger", who="fan-1"))["items"]
    assert (ledger[0]["kind"], ledger[0]["delta"], ledger[0]["ref"]) == ("refund", 60, rid)
    assert ledger_sum(shop, "fan-1") == 100


def test_fulfil_is_repeatable_and_blocks_cancel(shop):
    rid = payload(redeem(shop, "k1"))["redemption_id"]
    done = shop.call("POST", f"/v1/admin/redemptions/{rid}/fulfil", who="ops", admin=True)
    assert done.status_code == 200 and payload(done)["status"] == "fulfilled"
    assert shop.call("POST", f"/v1/admin/redemptions/{rid}/fulfil", who="ops", admin=True).status_code == 200
    cancel = shop.call("POST", f"/v1/admin/redemptions/{rid}/cancel", who="ops", admin=True, key="c1")
    assert cancel.status_code == 409 and payload(cancel)["code"] == "invalid_redemption_state"
    missing = shop.call("POST", "/v1/admin/redemptions/rdm_nope/fulfil", who="ops", admin=True)
    assert missing.status_code == 404 and payload(missing)["code"] == "redemption_not_found"


def test_cancelled_cannot_be_fulfilled(shop):
    rid = payload(redeem(shop, "k1"))["redemption_id"]
    shop.call("POST", f"/v1/admin/redemptions/{rid}/cancel", who="ops", admin=True, key="c1")
    response = shop.call("POST", f"/v1/admin/redemptions/{rid}/fulfil", who="ops", admin=True)
    assert response.status_code == 409 and payload(response)["code"] == "invalid_redemption_state"
