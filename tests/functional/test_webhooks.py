"""Content-platform webhooks through the HTTP API: identity, earning rules, caps, reversals, metrics.

Every test runs twice: with warm caches, and as if each delivery reached a new container (caches
empty), where awards are deferred unread and settled later. The rules must not tell them apart.
"""

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.services import caches
from tests import support
from tests.support import ledger_sum, payload, reward_body, signed, snapshot, without_rejection_counts

UTC = timezone.utc
COLD = {"on": False}
ANSWERS = {202: "accepted", 200: "duplicate"}


@pytest.fixture(autouse=True, params=["warm", "cold"])
def containers(request):
    COLD["on"] = request.param == "cold"
    yield request.param
    COLD["on"] = False


def deliver(api, *args, expect=202, **kwargs):
    """Send one delivery and check the status it must get (202 accepted unless the test expects otherwise)."""
    if COLD["on"]:
        caches.clear_all()
    response = support.deliver(api, *args, **kwargs)
    assert response.status_code == expect, response.body
    if expect in ANSWERS:
        assert payload(response) == {"status": ANSWERS[expect]}
    return response


def at(clock, **delta):
    return (clock.now + timedelta(**delta)).isoformat()


def link(api, fan, external, expect=202):
    return deliver(api, "account.linked", {"external_user_id": external, "fan_id": fan}, expect=expect)


def like(api, clock, external, content, kind="liked", **extra):
    data = {"content_id": content, "external_user_id": external, "occurred_at": at(clock), **extra}
    return deliver(api, f"engagement.{kind}", data)


def balance(api, fan):
    return payload(api.call("GET", "/v1/me", who=fan))["balance"]


def test_linked_fan_earns_and_profile_lists_the_link(api, clock):
    link(api, "fan-1", "tt-1")
    like(api, clock, "tt-1", "c1")
    assert balance(api, "fan-1") == 1
    me = payload(api.call("GET", "/v1/me", who="fan-1"))
    assert me["linked_accounts"] == [{"platform": "tiktok", "external_user_id": "tt-1"}]
    ledger = payload(api.call("GET", "/v1/me/ledger", who="fan-1"))["items"]
    assert (ledger[0]["kind"], ledger[0]["delta"], ledger[0]["ref"]) == ("engagement", 1, "tiktok:liked:c1")


def test_duplicate_delivery_answers_duplicate_and_changes_nothing(api, clock):
    link(api, "fan-1", "tt-1")
    data = {"content_id": "c1", "external_user_id": "tt-1", "occurred_at": at(clock)}
    deliver(api, "engagement.commented", data, webhook_id="msg_1")
    before = snapshot()
    deliver(api, "engagement.commented", data, webhook_id="msg_1", expect=200)
    assert snapshot() == before
    assert balance(api, "fan-1") == 3


def test_same_webhook_id_on_another_platform_is_not_a_duplicate(api, clock):
    data = {"content_id": "c1", "external_user_id": "u", "occurred_at": at(clock)}
    deliver(api, "engagement.liked", data, webhook_id="msg_1")
    from chalicelib.settings import get_settings

    youtube = get_settings().webhook_secrets["youtube"][0]
    deliver(api, "engagement.liked", data, webhook_id="msg_1", platform="youtube", secret=youtube)


def test_unlinked_engagement_counts_in_metrics_but_earns_nothing_until_linked(api, clock):
    like(api, clock, "tt-9", "c1")
    link(api, "fan-9", "tt-9")
    assert balance(api, "fan-9") == 0
    like(api, clock, "tt-9", "c2")
    assert balance(api, "fan-9") == 1
    metrics = payload(api.call("GET", "/v1/admin/content/tiktok/c1", who="ops", admin=True))
    assert metrics["likes"] == 1 and metrics["unique_engaged"] == 1


def test_metrics_add_up_over_many_users_across_shards(api, clock):
    users = [f"viewer-{n}" for n in range(40)]  # enough to land in many of the stat shards
    for user in users:
        like(api, clock, user, "viral")
    for user in users[:10]:
        like(api, clock, user, "viral", kind="commented")
        like(api, clock, user, "viral", kind="commented")
    like(api, clock, users[0], "viral", kind="unliked")
    metrics = payload(api.call("GET", "/v1/admin/content/tiktok/viral", who="ops", admin=True))
    assert (metrics["likes"], metrics["comments"], metrics["unique_engaged"]) == (39, 20, 40)


def test_relinking_to_another_fan_needs_an_operator_unlink(api, clock):
    link(api, "fan-1", "tt-1")
    refused = link(api, "fan-2", "tt-1", expect=409)
    assert payload(refused)["code"] == "link_conflict"
    link(api, "fan-1", "tt-1")  # the same link again is fine
    unlinked = api.call("DELETE", "/v1/admin/links/tiktok/tt-1", who="ops", admin=True)
    assert unlinked.status_code == 200 and payload(unlinked)["fan_id"] == "fan-1"
    assert payload(api.call("GET", "/v1/me", who="fan-1"))["linked_accounts"] == []
    link(api, "fan-2", "tt-1")
    like(api, clock, "tt-1", "c1")
    assert (balance(api, "fan-1"), balance(api, "fan-2")) == (0, 1)
    missing = api.call("DELETE", "/v1/admin/links/tiktok/nobody", who="ops", admin=True)
    assert missing.status_code == 404 and payload(missing)["code"] == "link_not_found"


def test_self_engagement_earns_nothing_but_is_explained(api, clock):
    link(api, "fan-1", "tt-1")
    own = {"content_id": "c-own", "external_user_id": "tt-1", "published_at": at(clock), "title": "Cover"}
    deliver(api, "content.published", own)
    assert balance(api, "fan-1") == 20
    like(api, clock, "tt-1", "c-own")
    assert balance(api, "fan-1") == 20
    ledger = payload(api.call("GET", "/v1/me/ledger", who="fan-1"))["items"]
    assert (ledger[0]["delta"], ledger[0]["ref"]) == (0, "tiktok:liked:c-own (self)")


def test_daily_cap_in_the_fans_local_day_with_capped_events_recorded(api, clock):
    link(api, "fan-1", "tt-1")
    clock.now = datetime(2026, 11, 22, 15, 40, tzinfo=UTC)  # 23:40 in Shanghai
    for content in ("a", "b", "c", "d"):
        like(api, clock, "tt-1", content)
    assert balance(api, "fan-1") == 3  # cap 3 likes a day
    ledger = payload(api.call("GET", "/v1/me/ledger", who="fan-1"))["items"]
    assert (ledger[0]["delta"], ledger[0]["ref"]) == (0, "tiktok:liked:d (capped)")
    clock.now += timedelta(minutes=30)  # 00:10 the next local day, still the same UTC day
    like(api, clock, "tt-1", "e")
    assert balance(api, "fan-1") == 4


def test_late_event_counts_toward_the_day_it_happened(api, clock):
    link(api, "fan-1", "tt-1")
    for content in ("a", "b", "c"):
        like(api, clock, "tt-1", content)  # today's cap is used up
    late = {"content_id": "old", "external_user_id": "tt-1", "occurred_at": at(clock, days=-1)}
    deliver(api, "engagement.liked", late)
    assert balance(api, "fan-1") == 4  # yesterday still had room
    too_old = {"content_id": "ancient", "external_user_id": "tt-1", "occurred_at": at(clock, days=-8)}
    deliver(api, "engagement.liked", too_old)
    assert balance(api, "fan-1") == 4


def test_views_need_minimum_completion_and_feed_average(api, clock):
    link(api, "fan-1", "tt-1")
    like(api, clock, "tt-1", "v1", kind="viewed", completion=0.2)
    assert balance(api, "fan-1") == 0
    like(api, clock, "tt-1", "v1", kind="viewed", completion=0.9)
    assert balance(api, "fan-1") == 1
    metrics = payload(api.call("GET", "/v1/admin/content/tiktok/v1", who="ops", admin=True))
    assert metrics["views"] == 2 and metrics["average_completion"] == pytest.approx(0.55)


def test_unlike_reverses_once_and_never_below_zero(api, clock):
    link(api, "fan-1", "tt-1")
    like(api, clock, "tt-1", "c1")
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=1))
    assert api.call("POST", "/v1/redemptions", who="fan-1", key="k", body={"reward_id": "pin"}).status_code == 201
    assert balance(api, "fan-1") == 0  # the like's point is spent
    clock.now += timedelta(minutes=1)
    like(api, clock, "tt-1", "c1", kind="unliked")
    assert balance(api, "fan-1") == 0 == ledger_sum(api, "fan-1")
    ledger = payload(api.call("GET", "/v1/me/ledger", who="fan-1"))["items"]
    assert (ledger[0]["delta"], ledger[0]["ref"]) == (0, "tiktok:unliked:c1")
    metrics = payload(api.call("GET", "/v1/admin/content/tiktok/c1", who="ops", admin=True))
    assert metrics["likes"] == 0


def test_unlike_takes_back_the_point_and_relike_earns_again(api, clock):
    link(api, "fan-1", "tt-1")
    like(api, clock, "tt-1", "c1")
    clock.now += timedelta(minutes=1)
    like(api, clock, "tt-1", "c1", kind="unliked")
    assert balance(api, "fan-1") == 0
    like(api, clock, "tt-1", "c1", kind="unliked")  # a second unlike has nothing left to take
    clock.now += timedelta(minutes=1)
    like(api, clock, "tt-1", "c1")
    assert balance(api, "fan-1") == 1 == ledger_sum(api, "fan-1")


def test_unlike_arriving_before_its_like_leaves_no_points(api, clock):
    link(api, "fan-1", "tt-1")
    liked_at = at(clock)
    unliked = {"content_id": "c1", "external_user_id": "tt-1", "occurred_at": at(clock, minutes=1)}
    deliver(api, "engagement.unliked", unliked)
    deliver(api, "engagement.liked", {"content_id": "c1", "external_user_id": "tt-1", "occurred_at": liked_at})
    assert balance(api, "fan-1") == 0


def test_a_second_like_without_unlike_earns_nothing(api, clock):
    link(api, "fan-1", "tt-1")
    like(api, clock, "tt-1", "c1")
    like(api, clock, "tt-1", "c1")
    assert balance(api, "fan-1") == 1
    assert payload(api.call("GET", "/v1/admin/content/tiktok/c1", who="ops", admin=True))["likes"] == 1


def test_deleted_content_takes_back_its_publication_points(api, clock):
    link(api, "fan-1", "tt-1")
    deliver(api, "content.published", {"content_id": "c1", "external_user_id": "tt-1", "published_at": at(clock)})
    assert balance(api, "fan-1") == 20
    deliver(api, "content.deleted", {"content_id": "c1"})
    assert balance(api, "fan-1") == 0 == ledger_sum(api, "fan-1")
    assert payload(api.call("GET", "/v1/admin/content/tiktok/c1", who="ops", admin=True))["deleted"] is True


def test_flag_is_stored_with_severity(api, clock):
    deliver(api, "content.flagged", {"content_id": "c1", "reason": "spam", "severity": "high"})
    metrics = payload(api.call("GET", "/v1/admin/content/tiktok/c1", who="ops", admin=True))
    assert metrics["flag"] == {"severity": "high", "reason": "spam"}


def test_unknown_types_are_accepted_and_deduplicated(api):
    deliver(api, "poll.voted", {"anything": [1, 2]}, webhook_id="msg_x")
    deliver(api, "poll.voted", {"anything": [1, 2]}, webhook_id="msg_x", expect=200)


def test_unknown_platform_is_404(api):
    response = deliver(api, "engagement.liked", {}, platform="myspace", expect=404)
    assert payload(response)["code"] == "unknown_platform"


def test_bad_signature_is_401_and_writes_nothing(api, clock):
    before = snapshot()
    body = b'{"type": "account.linked", "data": {"external_user_id": "x", "fan_id": "f"}}'
    headers = signed(body, "msg_1", clock.now)
    tampered = body.replace(b'"f"', b'"g"')
    response = api.client.http.request("POST", "/v1/webhooks/tiktok", headers=headers, body=tampered)
    assert response.status_code == 401 and payload(response)["code"] == "invalid_signature"
    stale = signed(body, "msg_2", clock.now - timedelta(minutes=6))
    assert api.client.http.request("POST", "/v1/webhooks/tiktok", headers=stale, body=body).status_code == 401
    assert api.client.http.request("POST", "/v1/webhooks/tiktok", headers={}, body=body).status_code == 401
    assert without_rejection_counts(snapshot()) == before  # only the capped rejection count (operations.md)
    assert support.rejected_webhooks() == 3


def test_logs_never_carry_secrets_signatures_or_bodies(api, clock, monkeypatch):
    import io
    import logging

    from chalicelib.observability import logger
    from tests.support import TIKTOK_SECRETS

    captured = io.StringIO()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            monkeypatch.setattr(handler, "stream", captured)
    level = logger.log_level
    logger.setLevel(logging.DEBUG)
    try:
        body = b'{"type": "account.linked", "data": {"external_user_id": "secret-user", "fan_id": "f"}}'
        good = signed(body, "msg_ok", clock.now)
        bad = {**good, "webhook-signature": "v1,bm90LXRoZS1yaWdodC1zaWduYXR1cmUtYXQtYWxsLi4u"}
        assert api.client.http.request("POST", "/v1/webhooks/tiktok", headers=bad, body=body).status_code == 401
        assert api.client.http.request("POST", "/v1/webhooks/tiktok", headers=good, body=body).status_code == 202
    finally:
        logger.setLevel(level)
    output = captured.getvalue()
    assert "webhook rejected" in output  # the capture works, and the refusal is explained
    for secret_material in (*TIKTOK_SECRETS, good["webhook-signature"], bad["webhook-signature"], "secret-user"):
        assert secret_material not in output
        assert secret_material.removeprefix("whsec_").removeprefix("v1,") not in output


def test_rotated_secret_still_accepted(api, clock):
    from tests.support import TIKTOK_SECRETS

    deliver(api, "content.flagged", {"content_id": "c", "reason": "r", "severity": "low"}, secret=TIKTOK_SECRETS[1])


@pytest.mark.parametrize(
    "body",
    [
        {"type": "engagement.liked"},
        {"type": "engagement.liked", "data": {"content_id": "c"}},
        {"type": "engagement.liked", "data": {"content_id": "c", "external_user_id": "u", "occurred_at": "yesterday"}},
        {
            "type": "engagement.viewed",
            "data": {
                "content_id": "c",
                "external_user_id": "u",
                "occurred_at": "2026-11-22T00:00:00Z",
                "completion": 1.5,
            },
        },
        {"type": "content.flagged", "data": {"content_id": "c", "reason": "r", "severity": "extreme"}},
        {"type": "account.linked", "data": {"external_user_id": "u"}},
        [1, 2],
    ],
)
def test_malformed_bodies_are_400_and_write_nothing(api, body):
    before = snapshot()
    response = _raw(api, body)
    assert response.status_code == 400 and payload(response)["code"] == "validation_error"
    assert snapshot() == before


def _raw(api, body):
    import json

    from chalicelib import clock

    raw = json.dumps(body).encode()
    return api.client.http.request("POST", "/v1/webhooks/tiktok", headers=signed(raw, "msg_bad", clock.now()), body=raw)


def test_oversize_delivery_is_413(api, clock):
    raw = b'{"type": "x", "data": {"pad": "' + b"x" * 20_000 + b'"}}'
    headers = signed(raw, "msg_big", clock.now)
    response = api.client.http.request("POST", "/v1/webhooks/tiktok", headers=headers, body=raw)
    assert response.status_code == 413
