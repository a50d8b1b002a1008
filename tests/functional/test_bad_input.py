"""Bad input gets a 4xx problem naming the field, and writes nothing."""

import pytest

from tests.support import payload, reward_body, snapshot


@pytest.fixture
def stocked(api):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body())
    api.call("POST", "/v1/checkins", who="fan-1")
    return api


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{", "body"),
        (b"[]", "body"),
        (b'{"reward_id": 5}', "reward_id"),
        (b'{"quantity": 1}', "body"),
        (b'{"reward_id": "poster", "quantity": 0}', "quantity"),
        (b'{"reward_id": "poster", "quantity": -1}', "quantity"),
        (b'{"reward_id": "poster", "quantity": 101}', "quantity"),
        (b'{"reward_id": "poster", "quantity": 1e400}', "quantity"),
        (b'{"reward_id": "poster", "quantity": 99999999999999999999999999}', "quantity"),
        (b'{"reward_id": "poster", "quantity": "1"}', "quantity"),
        (b'{"reward_id": "poster", "quantity": true}', "quantity"),
        (b'{"reward_id": "poster", "extra": 1}', "body"),
        (b'{"reward_id": ""}', "reward_id"),
        (b'{"reward_id": "../../etc"}', "reward_id"),
        (b"\xff\xfe", "body"),
    ],
)
def test_malformed_redemptions_are_400(stocked, raw, field):
    before = snapshot()
    response = stocked.call("POST", "/v1/redemptions", who="fan-1", key="k", raw=raw)
    assert response.status_code == 400, response.body
    problem = payload(response)
    assert problem["code"] == "validation_error" and problem["errors"][0]["field"] == field
    assert snapshot() == before


@pytest.mark.parametrize("key", [None, "", "x" * 256, "tab\tkey"])
def test_missing_or_bad_idempotency_key_is_400(stocked, key):
    before = snapshot()
    headers = {} if key is None else {"Idempotency-Key": key}
    response = stocked.call("POST", "/v1/redemptions", who="fan-1", body={"reward_id": "poster"}, headers=headers)
    assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "Idempotency-Key"
    assert snapshot() == before


def test_oversize_body_is_413(stocked):
    before = snapshot()
    raw = b'{"reward_id": "poster", "pad": "' + b"x" * 20_000 + b'"}'
    response = stocked.call("POST", "/v1/redemptions", who="fan-1", key="k", raw=raw)
    assert response.status_code == 413 and payload(response)["code"] == "payload_too_large"
    assert snapshot() == before


def test_non_json_content_type_is_415(stocked):
    response = stocked.call(
        "POST",
        "/v1/redemptions",
        who="fan-1",
        key="k",
        raw=b"reward_id=poster",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415 and payload(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "cost": 1, "stock_remaining": 1},
        {"name": "x", "cost": -1, "stock_remaining": 1},
        {"name": "x", "cost": 1},
        {"name": "x", "cost": 1, "stock_remaining": 1, "min_tier": "gold"},
        {"name": "x", "cost": 1, "stock_remaining": 1, "available_from": "2026-01-01T00:00:00"},
        {
            "name": "x",
            "cost": 1,
            "stock_remaining": 1,
            "available_from": "2026-02-01T00:00:00Z",
            "available_until": "2026-01-01T00:00:00Z",
        },
        {"name": "x", "cost": 1, "stock_remaining": 1, "per_fan_limit": 0},
    ],
)
def test_bad_reward_definitions_are_400(stocked, body):
    before = snapshot()
    response = stocked.call("PUT", "/v1/admin/rewards/new-one", who="ops", admin=True, body=body)
    assert response.status_code == 400 and payload(response)["code"] == "validation_error"
    assert snapshot() == before


def test_bad_reward_id_in_path_is_400(stocked):
    response = stocked.call("PUT", "/v1/admin/rewards/bad%20id", who="ops", admin=True, body=reward_body())
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"delta": 0, "reason": "x"},
        {"delta": 5},
        {"delta": 5, "reason": ""},
        {"delta": 1.5, "reason": "x"},
        {"delta": 10**12, "reason": "x"},
    ],
)
def test_bad_adjustments_are_400(stocked, body):
    before = snapshot()
    response = stocked.call("POST", "/v1/admin/fans/fan-1/adjustments", who="ops", admin=True, key="k", body=body)
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("quantity", [0, -5, "5", 10**10])
def test_bad_restock_is_400(stocked, quantity):
    response = stocked.call(
        "POST", "/v1/admin/rewards/poster/restock", who="ops", admin=True, key="k", body={"quantity": quantity}
    )
    assert response.status_code == 400


def test_patch_me_requires_time_zone(stocked):
    for body in ({}, {"time_zone": 5}, {"time_zone": "UTC", "name": "x"}):
        assert stocked.call("PATCH", "/v1/me", who="fan-1", body=body).status_code == 400


def test_malformed_body_on_a_bodyless_route_is_400(stocked):
    response = stocked.call("POST", "/v1/admin/redemptions/rdm_x/cancel", who="ops", admin=True, key="k", raw=b"{")
    assert response.status_code == 400 and payload(response)["code"] == "validation_error"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/redemptions/" + "x" * 3000,
        "/v1/admin/fans/" + "f" * 3000,
        "/v1/me/ledger?cursor=" + "A" * 3000,
        "/v1/admin/redemptions/" + "r" * 3000 + "/fulfil",
    ],
)
def test_oversized_identifiers_are_400_not_5xx(stocked, path):
    method = "POST" if path.endswith("fulfil") else "GET"
    response = stocked.call(method, path, who="ops", admin=True)
    assert response.status_code == 400, response.body
