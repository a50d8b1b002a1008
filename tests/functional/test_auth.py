"""The authorization matrix: no token, bad tokens, expired tokens, fans on others' data and on admin routes."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import KEYS_DIR, payload, reward_body, token

FAN_ROUTES = [
    ("POST", "/v1/checkins"),
    ("GET", "/v1/me"),
    ("PATCH", "/v1/me"),
    ("GET", "/v1/me/ledger"),
    ("GET", "/v1/me/redemptions"),
    ("GET", "/v1/rewards"),
    ("POST", "/v1/redemptions"),
    ("GET", "/v1/redemptions/rdm_x"),
]
ADMIN_ROUTES = [
    ("PUT", "/v1/admin/rewards/poster"),
    ("POST", "/v1/admin/rewards/poster/restock"),
    ("GET", "/v1/admin/fans/fan-1"),
    ("POST", "/v1/admin/fans/fan-1/adjustments"),
    ("POST", "/v1/admin/redemptions/rdm_x/cancel"),
    ("POST", "/v1/admin/redemptions/rdm_x/fulfil"),
]


def _foreign_token() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    now = int(time.time())
    return jwt.encode({"sub": "fan-1", "iss": "fan-engagement-local", "iat": now, "exp": now + 600}, pem, "RS256")


def _signed(claims: dict) -> str:
    return jwt.encode(claims, (KEYS_DIR / "dev-jwt-private.pem").read_text(), "RS256")


NOW = int(time.time())
BAD_TOKENS = {
    "garbage": "not-a-jwt",
    "foreign key": _foreign_token(),
    "expired": token("fan-1", ttl=-120),
    "wrong issuer": token("fan-1", issuer="someone-else"),
    "no sub": _signed({"iss": "fan-engagement-local", "exp": NOW + 600}),
    "no exp": _signed({"iss": "fan-engagement-local", "sub": "fan-1"}),
    "hs256": jwt.encode({"sub": "fan-1", "iss": "fan-engagement-local", "exp": NOW + 600}, "x" * 32, "HS256"),
}


@pytest.mark.parametrize(("method", "path"), FAN_ROUTES + ADMIN_ROUTES)
def test_no_token_is_401(api, method, path):
    response = api.client.http.request(method, path, headers={}, body=b"")
    assert response.status_code == 401


@pytest.mark.parametrize("name", sorted(BAD_TOKENS))
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/me"), ("POST", "/v1/checkins"), ("GET", "/v1/admin/fans/fan-1")]
)
def test_bad_token_is_401_problem(api, name, method, path):
    response = api.call(method, path, headers={"Authorization": f"Bearer {BAD_TOKENS[name]}"})
    assert response.status_code == 401
    assert payload(response)["code"] == "unauthorized"
    assert response.headers["Content-Type"] == "application/problem+json"


def test_bearer_prefix_required(api):
    response = api.call("GET", "/v1/me", headers={"Authorization": token("fan-1")})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_fan_on_admin_route_is_403(api, method, path):
    response = api.call(method, path, who="fan-1", key="k", body={})
    assert response.status_code == 403 and payload(response)["code"] == "forbidden"


def test_cognito_groups_claim_marks_an_operator(api):
    claims = {"sub": "ops-2", "iss": "fan-engagement-local", "exp": NOW + 600, "cognito:groups": ["admin"]}
    response = api.call(
        "PUT", "/v1/admin/rewards/poster", body=reward_body(), headers={"Authorization": f"Bearer {_signed(claims)}"}
    )
    assert response.status_code == 201


def test_fan_cannot_see_or_touch_another_fans_redemption(api):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=0))
    rid = payload(api.call("POST", "/v1/redemptions", who="fan-a", key="k", body={"reward_id": "poster"}))[
        "redemption_id"
    ]
    assert api.call("GET", f"/v1/redemptions/{rid}", who="fan-b").status_code == 404
    assert payload(api.call("GET", "/v1/me/redemptions", who="fan-b"))["items"] == []
    assert api.call("POST", f"/v1/admin/redemptions/{rid}/cancel", who="fan-b", key="k").status_code == 403
    assert api.call("GET", f"/v1/redemptions/{rid}", who="fan-a").status_code == 200


def test_cursor_of_one_fan_does_not_reach_another(api, clock):
    from datetime import timedelta

    for _ in range(3):
        api.call("POST", "/v1/checkins", who="fan-a")
        clock.now += timedelta(days=1)
    cursor = payload(api.call("GET", "/v1/me/ledger?limit=1", who="fan-a"))["next_cursor"]
    other = payload(api.call("GET", f"/v1/me/ledger?cursor={cursor}", who="fan-b"))
    assert other["items"] == []
