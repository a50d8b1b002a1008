"""The authorization matrix: no token, bad tokens, expired tokens, fans on others' data and on admin routes."""

import time
from datetime import timedelta

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


def _pages(api, fan, listing, limit):
    """Every page of a listing, following next_cursor to the end."""
    pages, cursor = [], None
    while True:
        page = payload(api.call("GET", f"{listing}?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), who=fan))
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture
def two_histories(api, clock):
    """fan-a with 6 ledger entries and 3 redemptions, fan-b with 5 and 2, interleaved in time."""
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=1, stock_remaining=100))
    for day in range(3):
        for fan in ("fan-a", "fan-b") if day < 2 else ("fan-a",):
            assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
            redeemed = api.call("POST", "/v1/redemptions", who=fan, key=f"d{day}", body={"reward_id": "pin"})
            assert redeemed.status_code == 201
        clock.now += timedelta(days=1)
    assert api.call("POST", "/v1/checkins", who="fan-b").status_code == 201
    return {
        "fan-a": {"/v1/me/ledger": 6, "/v1/me/redemptions": 3},
        "fan-b": {"/v1/me/ledger": 5, "/v1/me/redemptions": 2},
    }


LISTINGS = {"/v1/me/ledger": "entry_id", "/v1/me/redemptions": "redemption_id"}


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_pages_visit_every_item_once_newest_first(api, two_histories, listing):
    id_field = LISTINGS[listing]
    for fan, sizes in two_histories.items():
        whole = payload(api.call("GET", f"{listing}?limit=100", who=fan))
        assert whole["next_cursor"] is None and len(whole["items"]) == sizes[listing]
        for limit in (1, 2, 3):
            pages = _pages(api, fan, listing, limit)
            assert all(len(page["items"]) == limit for page in pages[:-1]) and 1 <= len(pages[-1]["items"]) <= limit
            assert [item for page in pages for item in page["items"]] == whole["items"], (fan, limit)
        assert len({item[id_field] for item in whole["items"]}) == sizes[listing]


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_one_fans_cursor_is_refused_for_another(api, two_histories, listing):
    for owner, other in (("fan-a", "fan-b"), ("fan-b", "fan-a")):
        cursor = payload(api.call("GET", f"{listing}?limit=1", who=owner))["next_cursor"]
        assert cursor is not None
        assert api.call("GET", f"{listing}?limit=1&cursor={cursor}", who=owner).status_code == 200
        refused = api.call("GET", f"{listing}?limit=1&cursor={cursor}", who=other)
        assert refused.status_code == 400, refused.body
        problem = payload(refused)
        assert problem["code"] == "validation_error" and problem["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_a_cursor_is_refused_by_the_other_listing(api, two_histories, listing):
    (other,) = set(LISTINGS) - {listing}
    cursor = payload(api.call("GET", f"{listing}?limit=1", who="fan-a"))["next_cursor"]
    assert api.call("GET", f"{other}?cursor={cursor}", who="fan-a").status_code == 400
