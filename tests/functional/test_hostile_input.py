"""Hostile input at the HTTP layer: JSON nested thousands deep on every route, malformed webhook timestamps.

Each is a 4xx problem document (never a 5xx) and writes nothing.
"""

import json
import uuid

import pytest

from app import api as routes
from chalicelib.api.routing import MAX_JSON_DEPTH, _nesting_exceeds
from tests.support import payload, rejected_webhooks, reward_body, signed, snapshot, without_rejection_counts

PATH_VALUES = {
    "redemption_id": "rdm_x",
    "reward_id": "poster",
    "fan_id": "fan-1",
    "platform": "tiktok",
    "external_user_id": "tt-1",
    "content_id": "c1",
}
DEEP_BODIES = {
    "arrays": b"[" * 5000 + b"]" * 5000,
    "objects": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "unclosed": b"[" * 100_000,
    "inside a valid field": b'{"reward_id": "poster", "quantity": ' + b"[" * 40 + b"1" + b"]" * 40 + b"}",
}


def _route_calls():
    for name, spec in routes.operations:
        path = spec.path
        for param, value in PATH_VALUES.items():
            path = path.replace("{" + param + "}", value)
        yield pytest.param(spec.method, path, spec.auth, id=name)


@pytest.fixture
def stocked(api):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body())
    api.call("POST", "/v1/checkins", who="fan-1")
    return api


def _is_depth_refusal(response):
    problem = payload(response)
    return (
        response.status_code == 400
        and response.headers["Content-Type"] == "application/problem+json"
        and problem["code"] == "validation_error"
        and problem["errors"][0]["field"] == "body"
        and "nesting" in problem["errors"][0]["message"]
    )


@pytest.mark.parametrize("shape", list(DEEP_BODIES))
@pytest.mark.parametrize(("method", "path", "auth"), list(_route_calls()))
def test_deeply_nested_json_is_400_on_every_route_and_writes_nothing(stocked, method, path, auth, shape):
    before = snapshot()
    response = stocked.call(
        method, path, who=None if auth == "public" else "ops", admin=auth == "admin", key="k", raw=DEEP_BODIES[shape]
    )
    assert _is_depth_refusal(response), response.body
    assert snapshot() == before


@pytest.mark.parametrize("who", ["fan-1", "ops"])
def test_deep_json_as_a_fan_and_as_an_operator(stocked, who):
    before = snapshot()
    for method, path in (("POST", "/v1/redemptions"), ("PATCH", "/v1/me"), ("POST", "/v1/checkins")):
        response = stocked.call(method, path, who=who, key="k", raw=DEEP_BODIES["objects"])
        assert _is_depth_refusal(response), response.body
    assert snapshot() == before


def test_validly_signed_deep_webhook_is_400_and_writes_nothing(stocked, clock):
    before = snapshot()
    for raw in DEEP_BODIES.values():
        headers = {"Content-Type": "application/json", **signed(raw, f"msg_{uuid.uuid4().hex}", clock.now)}
        response = stocked.client.http.request("POST", "/v1/webhooks/tiktok", headers=headers, body=raw)
        assert _is_depth_refusal(response), response.body
    assert snapshot() == before


def test_nesting_at_the_limit_is_judged_by_the_schema_not_refused(stocked):
    inner = (MAX_JSON_DEPTH - 1) * "["
    nested = '{"reward_id": "poster", "x": ' + inner + "]" * len(inner) + "}"
    response = stocked.call("POST", "/v1/redemptions", who="fan-1", key="k", raw=nested.encode())
    assert response.status_code == 400 and "unknown field" in payload(response)["detail"].lower()


@pytest.mark.parametrize(
    ("raw", "too_deep"),
    [
        (b"[" * 32 + b"]" * 32, False),
        (b"[" * 33 + b"]" * 33, True),
        (b'{"a":' * 33 + b"1" + b"}" * 33, True),
        (b'"' + b"[" * 100 + b'"', False),
        (b'["\\"' + b"[" * 40 + b'"]', False),
        (b'["\\\\"' + b"[" * 40 + b"]" * 40 + b"]", True),
        (b"[]" * 1000, False),
        (b"]" * 100 + b"[" * 33, True),
        (b"\xff[" * 40, True),
    ],
)
def test_nesting_scan(raw, too_deep):
    assert _nesting_exceeds(raw, MAX_JSON_DEPTH) is too_deep


NOW_DIGITS = "1795320000"  # within a second of the clock fixture's 2026-11-22T04:00Z
MALFORMED_TIMESTAMPS = [
    "9" * 20,  # beyond time_t
    "253402300800",  # year 10000
    "9" * 5000,  # beyond int()'s digit limit
    "²",
    NOW_DIGITS.translate({ord("0") + i: 0x0660 + i for i in range(10)}),  # Arabic-Indic digits of a valid time
    NOW_DIGITS.translate({ord("0") + i: 0xFF10 + i for i in range(10)}),  # fullwidth digits
    "+" + NOW_DIGITS,
    "-" + NOW_DIGITS,
    " " + NOW_DIGITS,
    NOW_DIGITS + " ",
    NOW_DIGITS + ".0",
    "1.7953e9",
    "0x6b01e040",
    "0",
    "-1",
]


@pytest.mark.parametrize("timestamp", MALFORMED_TIMESTAMPS)
def test_malformed_webhook_timestamps_are_401(stocked, clock, timestamp):
    assert int(clock.now.timestamp()) == int(NOW_DIGITS)
    body = json.dumps({"type": "account.linked", "data": {"external_user_id": "tt-1", "fan_id": "fan-1"}}).encode()
    headers = {"Content-Type": "application/json", **signed(body, "msg_ts", clock.now), "webhook-timestamp": timestamp}
    before = snapshot()
    response = stocked.client.http.request("POST", "/v1/webhooks/tiktok", headers=headers, body=body)
    assert response.status_code == 401, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert payload(response)["code"] == "invalid_signature"
    assert without_rejection_counts(snapshot()) == before and rejected_webhooks() == 1


def test_the_same_delivery_with_its_real_timestamp_is_accepted(stocked, clock):
    body = json.dumps({"type": "account.linked", "data": {"external_user_id": "tt-1", "fan_id": "fan-1"}}).encode()
    headers = {"Content-Type": "application/json", **signed(body, "msg_ts", clock.now)}
    assert headers["webhook-timestamp"] == NOW_DIGITS
    response = stocked.client.http.request("POST", "/v1/webhooks/tiktok", headers=headers, body=body)
    assert response.status_code == 202, response.body
