"""Hostile values in ids, platforms, claims and time zones: a clear 4xx problem, and nothing written."""

import time

import pytest

from tests.support import Platform, payload, reward_body, signed_claims, snapshot


def claims_token(**claims):
    return signed_claims({"iss": "fan-engagement-local", "exp": int(time.time()) + 600, **claims})


@pytest.mark.parametrize(
    ("groups", "admin"),
    [
        ({"groups": ["admin"]}, True),
        ({"cognito:groups": ["admin"]}, True),
        ({"groups": ["fans"], "cognito:groups": ["admin"]}, True),  # both are honoured, not the first present
        ({"groups": ["admin"], "cognito:groups": ["fans"]}, True),
        ({"groups": "admin"}, False),  # not a list: grants nothing
        ({"groups": ["fans"]}, False),
    ],
)
def test_either_groups_claim_makes_an_operator(api, groups, admin):
    bearer = claims_token(sub="ops-2", **groups)
    response = api.call("GET", "/v1/admin/fans/nobody", headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == (404 if admin else 403), response.body


@pytest.mark.parametrize("subject", ["fan#1", "fan 1", "x" * 129, "-leading", "fan/1", "ünïcode"])
def test_a_token_whose_subject_is_not_a_fan_id_is_401(api, subject):
    bearer = claims_token(sub=subject)
    response = api.call("GET", "/v1/me", headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == 401 and payload(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/admin/fans/" + "f" * 129),
        ("GET", "/v1/admin/fans/bad%23id"),
        ("PUT", "/v1/admin/rewards/" + "r" * 129),
        ("POST", "/v1/admin/redemptions/bad%20id/fulfil"),
        ("GET", "/v1/redemptions/" + "r" * 129),
        ("GET", "/v1/admin/content/tiktok/" + "c" * 257),
        ("DELETE", "/v1/admin/links/tiktok/" + "u" * 257),
    ],
)
def test_ids_beyond_their_limits_are_400_naming_the_field(api, method, path):
    before = snapshot()
    response = api.call(method, path, who="ops", admin=True, body=reward_body(), key="k")
    assert response.status_code == 400, response.body
    problem = payload(response)
    assert problem["code"] == "validation_error" and problem["errors"][0]["field"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/admin/content/no-such-platform/c1"), ("DELETE", "/v1/admin/links/no-such-platform/u1")],
)
def test_unknown_platforms_on_admin_routes_are_404(api, method, path):
    response = api.call(method, path, who="ops", admin=True)
    assert response.status_code == 404 and payload(response)["code"] == "unknown_platform"


def test_our_ids_may_use_the_whole_safe_set_up_to_128(api):
    reward_id = "R" + "a-b_c.d:e@f+g" * 9 + "x" * 10
    assert len(reward_id) == 128
    created = api.call("PUT", f"/v1/admin/rewards/{reward_id}", who="ops", admin=True, body=reward_body())
    assert created.status_code == 201


def test_platform_ids_with_any_printable_characters_up_to_256_are_accepted(api, clock):
    tiktok = Platform(api)
    user = "üser #1/ with spaces:" + "ž" * 235
    assert len(user) == 256
    tiktok.link("fan-1", user)
    tiktok.engage("liked", user, "c" + "#" * 255, clock.now)
    assert payload(api.call("GET", "/v1/me", who="fan-1"))["linked_accounts"][0]["external_user_id"] == user
    tiktok.send("account.linked", {"external_user_id": "bad\nid", "fan_id": "fan-1"}, expect=400)
    tiktok.send("account.linked", {"external_user_id": "u" * 257, "fan_id": "fan-1"}, expect=400)
    tiktok.send("account.linked", {"external_user_id": "u", "fan_id": "not a fan id"}, expect=400)


@pytest.mark.parametrize(
    "zone", ["Factory", "localtime", "posixrules", "right/UTC", "posix/Asia/Tokyo", "/etc/localtime", "../UTC", "utc"]
)
def test_time_zones_outside_the_tzdata_list_are_400(api, zone):
    before = snapshot()
    response = api.call("PATCH", "/v1/me", who="fan-1", body={"time_zone": zone})
    assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "time_zone"
    assert snapshot() == before
