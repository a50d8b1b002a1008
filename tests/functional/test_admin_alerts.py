"""Operators' alert and silence routes: listing, acknowledge, resolve, silences; their refusals and replays."""

from datetime import timedelta
from urllib.parse import quote

import pytest

from chalicelib.domain.alerts.model import Observation
from chalicelib.persistence import alerts
from chalicelib.services import alerting
from tests.alert_support import Subscriber
from tests.support import payload, snapshot

MIN = timedelta(minutes=1)
OPS = {"who": "ops-1", "admin": True}


def hit(rule="points_farming", level="activate", category="user", **kwargs):
    return Observation(rule, category, "community", level, title=f"{rule} title", summary="s", runbook="r", **kwargs)


@pytest.fixture
def ops(api):
    return Subscriber()


def raise_alert(clock, rule="points_farming", **kwargs):
    observation = hit(rule, **kwargs)
    alerting.evaluate([observation], clock.now)
    return alerts.latest(observation.dedup_key).alert_id


def listing(api, query=""):
    response = api.call("GET", f"/v1/admin/alerts{query}", **OPS)
    assert response.status_code == 200, response.body
    return payload(response)


def test_alerts_are_listed_newest_first_with_the_operator_fields(api, ops, clock):
    first = raise_alert(clock, "a_rule")
    clock.now += MIN
    second = raise_alert(clock, "b_rule")
    items = listing(api)["items"]
    assert [i["alert_id"] for i in items] == [second, first]
    item = items[0]
    assert (item["status"], item["level"], item["category"], item["notifications"]) == ("open", "activate", "user", 1)
    assert item["dedup_key"] == "user:b_rule:community" and item["acknowledged_by"] is None
    assert item["resolved_at"] is None and item["muted"] == 0 and item["runbook"] == "r"


def test_pending_alerts_are_not_alerts_yet(api, ops, clock):
    alerting.evaluate([hit(pending=10 * MIN)], clock.now)
    assert listing(api)["items"] == []


def test_pages_follow_the_cursor_to_the_end(api, ops, clock):
    raised = []
    for n in range(5):
        raised.append(raise_alert(clock, f"rule_{n}"))
        clock.now += MIN
    seen, cursor = [], None
    while True:
        page = listing(api, "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [i["alert_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == raised[::-1]


def test_status_and_since_filter_the_listing(api, ops, clock):
    old = raise_alert(clock, "old_rule")
    clock.now += 10 * MIN
    since = clock.now
    newer = raise_alert(clock, "new_rule")
    api.call("POST", f"/v1/admin/alerts/{old}/acknowledge", key="k1", **OPS)
    assert [i["alert_id"] for i in listing(api, "?status=acknowledged")["items"]] == [old]
    assert [i["alert_id"] for i in listing(api, "?status=open")["items"]] == [newer]
    assert listing(api, "?status=resolved")["items"] == []
    assert [i["alert_id"] for i in listing(api, f"?since={quote(since.isoformat())}")["items"]] == [newer]
    later = quote((since + MIN).isoformat())
    assert listing(api, f"?since={later}&status=open")["items"] == []


def test_a_cursor_works_only_for_the_listing_that_issued_it(api, ops, clock):
    for n in range(3):
        raise_alert(clock, f"rule_{n}")
    cursor = listing(api, "?limit=1")["next_cursor"]
    response = api.call("GET", f"/v1/admin/alerts?status=open&cursor={cursor}", **OPS)
    assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?since=yesterday", "since"),
        ("?since=2026-11-22T04:00:00", "since"),  # no offset
        ("?since=", "since"),
        ("?since=0001-01-01T00:00:00Z", "since"),
        ("?status=pending", "status"),
        ("?status=OPEN", "status"),
        ("?limit=0", "limit"),
        ("?cursor=bm90LW91cnM", "cursor"),
        ("?cursor=" + "x" * 600, "cursor"),
    ],
)
def test_bad_listing_parameters_are_400_naming_the_field(api, query, field):
    response = api.call("GET", f"/v1/admin/alerts{query}", **OPS)
    assert response.status_code == 400, response.body
    assert payload(response)["errors"][0]["field"] == field


def test_a_forged_cursor_with_our_prefix_but_a_bad_position_is_400(api):
    from chalicelib.persistence import cursors

    forged = cursors.encode(cursors.prefix("al", "alert") + "2026-11-22T04:00:00.000000+00:00|alr_zz-1")
    response = api.call("GET", f"/v1/admin/alerts?cursor={forged}", **OPS)
    assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "cursor"


def test_acknowledging_stops_repeats_and_escalation_and_replays(api, ops, clock):
    alert_id = raise_alert(clock)
    first = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="ack-1", **OPS)
    assert first.status_code == 200 and payload(first)["acknowledged_by"] == "ops-1"
    assert payload(first)["status"] == "acknowledged"
    replay = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="ack-1", **OPS)
    assert replay.headers["Idempotent-Replayed"] == "true" and payload(replay) == payload(first)
    clock.now += 10 * 60 * MIN
    for _ in range(3):
        alerting.sweep(clock.now)
        clock.now += 5 * 60 * MIN
    assert ops.kinds() == ["raised"]  # no escalation after 30 minutes, no repeats


def test_acknowledging_twice_with_new_keys_answers_the_same_alert(api, ops, clock):
    alert_id = raise_alert(clock)
    first = payload(api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="a", **OPS))
    again = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="b", who="ops-2", admin=True)
    assert again.status_code == 200 and payload(again) == first  # still acknowledged by the first operator


def test_resolving_sends_one_notification_however_often_it_is_asked(api, ops, clock):
    alert_id = raise_alert(clock)
    clock.now += MIN
    resolved = api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="r-1", **OPS)
    assert resolved.status_code == 200, resolved.body
    body = payload(resolved)
    assert (body["status"], body["resolved_by"], body["notifications"]) == ("resolved", "ops-1", 2)
    replay = api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="r-1", **OPS)
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="r-2", **OPS)
    assert again.status_code == 200 and payload(again) == body
    assert ops.kinds() == ["raised", "resolved"]
    [message] = [m for m in ops.received() if m["notification"] == "resolved"]
    assert message["status"] == "resolved" and message["_attributes"]["status"] == "resolved"


def test_a_resolved_alert_cannot_be_acknowledged(api, ops, clock):
    alert_id = raise_alert(clock)
    api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="r", **OPS)
    refused = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="a", **OPS)
    assert refused.status_code == 409 and payload(refused)["code"] == "alert_resolved"


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_unknown_alerts_are_404_and_the_refusal_is_replayed(api, action):
    for alert_id in ("alr_" + "0" * 32 + "-1", "not-one-of-ours"):
        before = snapshot()
        response = api.call("POST", f"/v1/admin/alerts/{alert_id}/{action}", key=f"k-{alert_id}", **OPS)
        assert response.status_code == 404 and payload(response)["code"] == "alert_not_found"
        replay = api.call("POST", f"/v1/admin/alerts/{alert_id}/{action}", key=f"k-{alert_id}", **OPS)
        assert replay.status_code == 404 and replay.headers["Idempotent-Replayed"] == "true"
        after = snapshot()
        after.pop("test-idempotency"), before.pop("test-idempotency")
        assert after == before


def test_a_pending_alert_cannot_be_acknowledged(api, ops, clock):
    alerting.evaluate([hit(pending=10 * MIN)], clock.now)
    alert_id = alerts.latest("user:points_farming:community").alert_id
    response = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="k", **OPS)
    assert response.status_code == 404


def test_alert_actions_need_a_key_an_operator_and_a_valid_id(api, ops, clock):
    alert_id = raise_alert(clock)
    assert api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", **OPS).status_code == 400
    assert api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", who="fan-1", key="k").status_code == 403
    assert api.call("GET", "/v1/admin/alerts", who="fan-1").status_code == 403
    bad = api.call("POST", "/v1/admin/alerts/bad%23id/resolve", key="k", **OPS)
    assert bad.status_code == 400 and payload(bad)["errors"][0]["field"] == "alert_id"
    other = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="reused", **OPS)
    reused = api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="reused", **OPS)
    assert other.status_code == 200 and reused.status_code == 422


def silence_body(clock, **overrides):
    ends_at = (clock.now + 60 * MIN).isoformat()
    return {"matchers": {"category": "user"}, "ends_at": ends_at, "reason": "known", **overrides}


def test_a_silence_mutes_matching_alerts_until_it_ends(api, ops, clock):
    created = api.call("POST", "/v1/admin/silences", key="s-1", body=silence_body(clock), **OPS)
    assert created.status_code == 201, created.body
    silence = payload(created)
    assert silence["matchers"] == {"category": "user", "rule": None} and silence["created_by"] == "ops-1"
    replay = api.call("POST", "/v1/admin/silences", key="s-1", body=silence_body(clock), **OPS)
    assert payload(replay)["silence_id"] == silence["silence_id"] and replay.headers["Idempotent-Replayed"] == "true"
    assert [s["silence_id"] for s in payload(api.call("GET", "/v1/admin/silences", **OPS))["items"]] == [
        silence["silence_id"]
    ]
    alert_id = raise_alert(clock, level="warning")
    raise_alert(clock, "kpi_drop", level="warning", category="operations")
    [item] = [i for i in listing(api)["items"] if i["alert_id"] == alert_id]
    assert (item["notifications"], item["muted"]) == (0, 1)
    assert [m["category"] for m in ops.received()] == ["operations"]
    clock.now += 61 * MIN
    assert payload(api.call("GET", "/v1/admin/silences", **OPS))["items"] == []
    alerting.sweep(clock.now)
    assert [(m["category"], m["notification"]) for m in ops.received()] == [
        ("operations", "raised"),
        ("user", "raised"),
    ]


def test_deleting_a_silence_ends_it_and_a_second_delete_is_404(api, ops, clock):
    silence_id = payload(api.call("POST", "/v1/admin/silences", key="s", body=silence_body(clock), **OPS))["silence_id"]
    deleted = api.call("DELETE", f"/v1/admin/silences/{silence_id}", **OPS)
    assert deleted.status_code == 200 and payload(deleted)["silence_id"] == silence_id
    assert payload(api.call("GET", "/v1/admin/silences", **OPS))["items"] == []
    again = api.call("DELETE", f"/v1/admin/silences/{silence_id}", **OPS)
    assert again.status_code == 404 and payload(again)["code"] == "silence_not_found"
    raise_alert(clock)
    assert ops.kinds() == ["raised"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),  # in the past
        ({"ends_at": "2030-01-01T00:00:00Z"}, "ends_at"),  # more than 366 days ahead
        ({"ends_at": "2026-11-23T00:00:00"}, "ends_at"),  # no offset
        ({"matchers": {}}, "matchers"),
        ({"matchers": {"category": "weather"}}, "matchers.category"),
        ({"matchers": {"rule": "bad rule"}}, "matchers.rule"),
        ({"matchers": {"category": None}}, "matchers.category"),
        ({"reason": ""}, "reason"),
        ({"extra": 1}, "body"),
    ],
)
def test_bad_silences_are_400_naming_the_field_and_write_nothing(api, clock, change, field):
    before = snapshot()
    response = api.call("POST", "/v1/admin/silences", key="s", body=silence_body(clock, **change), **OPS)
    assert response.status_code == 400, response.body
    problem = payload(response)
    assert problem["code"] == "validation_error" and problem["errors"][0]["field"] in (field, "body"), problem
    assert snapshot() == before
