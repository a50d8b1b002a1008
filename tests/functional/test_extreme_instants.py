"""Instants no zone can hold, and non-ASCII digits as a page size: 400, never a 5xx."""

import pytest

from tests.support import Platform, deliver, reward_body


def _ok(response):
    assert response.status_code < 500, (response.status_code, response.body)


@pytest.mark.parametrize("when", ["9999-12-31T23:30:00-05:00", "0001-01-01T00:10:00+05:00"])
@pytest.mark.parametrize("event", ["engagement.liked", "engagement.unliked"])
def test_extreme_instants_in_a_webhook(api, clock, when, event):
    Platform(api).link("fan-1", "tt-1")
    data = {"content_id": "c1", "external_user_id": "tt-1", "occurred_at": when, "completion": 1.0}
    _ok(deliver(api, event, data))


@pytest.mark.parametrize("when", ["9999-12-31T23:30:00-05:00", "0001-01-01T00:10:00+05:00"])
def test_extreme_instants_in_a_publication(api, clock, when):
    data = {"content_id": "c1", "external_user_id": "tt-9", "published_at": when}
    _ok(deliver(api, "content.published", data))


def test_extreme_instant_in_a_reward_window(api):
    body = reward_body(available_from="0001-01-01T00:10:00+05:00")
    _ok(api.call("PUT", "/v1/admin/rewards/r1", who="ops", admin=True, body=body))


def test_superscript_digit_as_page_limit(api):
    _ok(api.call("GET", "/v1/me/ledger?limit=%C2%B2", who="fan-1"))
