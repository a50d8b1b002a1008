"""Hostile requests on the operators' alert, silence, KPI and job routes and on GET /v1/me.

Each is a 4xx problem document (never a 5xx) and changes nothing; the idempotency record of a refused
keyed request is the one write allowed, and only where it is the replayable refusal.
"""

from datetime import timedelta
from urllib.parse import quote

import pytest

from chalicelib.domain.alerts.model import Observation
from chalicelib.persistence import alerts
from chalicelib.services import alerting
from tests.support import payload, snapshot

OPS = {"who": "ops-1", "admin": True}
MIN = timedelta(minutes=1)
FULLWIDTH = {ord("0") + i: 0xFF10 + i for i in range(10)}
ARABIC = {ord("0") + i: 0x0660 + i for i in range(10)}
DEEP = b'{"a":' * 5000 + b"1" + b"}" * 5000


def raise_alert(clock, rule="points_farming"):
    observation = Observation(rule, "user", "community", "activate", title="t", summary="s", runbook="r")
    alerting.evaluate([observation], clock.now)
    return alerts.latest(observation.dedup_key).alert_id


def refused(response, status=400):
    """A problem document with the given 4xx status (a body over the size limit is 413 whatever it holds)."""
    allowed = (status, 413) if status == 400 else (status,)
    assert response.status_code in allowed, (response.status_code, response.body[:500])
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = payload(response)
    assert problem["status"] == response.status_code and problem["code"] and problem["title"]
    return problem


def without_idempotency(tables):
    return {name: items for name, items in tables.items() if name != "test-idempotency"}


BAD_INSTANTS = [
    "2026-01-01T00:00:00",  # no offset
    "2026-01-01T00:00:00Z".translate(FULLWIDTH),
    "2026-01-01T00:00:00Z".translate(ARABIC),
    "2026-02-30T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59-23:59",
    "2026-01-01T00:00:00+24:00",
    "2026-01-01T23:59:60Z",
    " 2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00Z\u00a0",
    "2026-01-01\u2003T00:00:00Z",
    "2026-01-01T00:00:00Z\n",
    "2026-01-01T00:00:00Z\x00",
    "9" * 10_000,
    "x" * 100_000,
    "",
    "null",
    "1767225600",
    "\ud800",
]


@pytest.mark.parametrize("since", BAD_INSTANTS)
def test_hostile_since_is_400(api, since):
    problem = refused(api.call("GET", f"/v1/admin/alerts?since={quote(since, safe='', errors='surrogatepass')}", **OPS))
    assert problem["errors"][0]["field"] == "since"


@pytest.mark.parametrize("since", ["1970-01-02T00:00:00Z", "9999-12-30T00:00:00Z", "2026-01-01T00:00:00+14:00"])
def test_since_at_the_edges_is_an_empty_or_full_page_not_an_error(api, clock, since):
    raise_alert(clock)
    response = api.call("GET", f"/v1/admin/alerts?since={quote(since)}", **OPS)
    assert response.status_code == 200, response.body


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-1",
        "limit=1000000000",
        "limit=%C2%B2",
        "limit=%EF%BC%95",
        "limit=1.0",
        "limit=+5",
        "limit=%205",
        "limit=",
        "status=Open",
        "status=pending",
        "status=open%00",
        "status=" + "o" * 10_000,
        "status=",
        "cursor=",
        "cursor=%00%00",
        "cursor=" + "A" * 20_000,
        "cursor=eyJ9",
        "cursor=%2F..%2F..",
        "cursor=bm90LWJhc2U2NA==",
    ],
)
def test_hostile_listing_parameters_are_400(api, clock, query):
    raise_alert(clock)
    refused(api.call("GET", f"/v1/admin/alerts?{query}", **OPS))


def test_cursors_from_other_listings_are_400(api, clock):
    from chalicelib.persistence import cursors

    for n in range(3):
        raise_alert(clock, f"rule_{n}")
    for prefix in (cursors.prefix("al", "alert"), ""):
        for position in ("", "|", "nonsense", "2026-11-22T04:00:00+00:00", "9" * 5000 + "|alr_x", "\x00|\x00"):
            response = api.call("GET", f"/v1/admin/alerts?cursor={cursors.encode(prefix + position)}", **OPS)
            refused(response)


HOSTILE_IDS = [
    "a%23b",
    "a%2Fb",
    "..",
    "%2E%2E",
    "a%00b",
    "a%0Ab",
    "a%20b",
    "%C3%A9",
    "x" * 10_240,
    "alr_" + "0" * 129,
]


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
@pytest.mark.parametrize("alert_id", HOSTILE_IDS)
def test_hostile_alert_ids_are_400_and_write_nothing(api, clock, action, alert_id):
    raise_alert(clock)
    before = snapshot()
    refused(api.call("POST", f"/v1/admin/alerts/{alert_id}/{action}", key="k", **OPS))
    assert without_idempotency(snapshot()) == without_idempotency(before)


@pytest.mark.parametrize("silence_id", HOSTILE_IDS)
def test_hostile_silence_ids_are_400_and_write_nothing(api, clock, silence_id):
    before = snapshot()
    refused(api.call("DELETE", f"/v1/admin/silences/{silence_id}", **OPS))
    assert snapshot() == before


@pytest.mark.parametrize("job", HOSTILE_IDS)
def test_hostile_job_names_are_4xx_and_write_nothing(api, job):
    before = snapshot()
    response = api.call("POST", f"/v1/admin/jobs/{job}", key="k", **OPS)
    assert 400 <= response.status_code < 500, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert without_idempotency(snapshot()) == without_idempotency(before)


@pytest.mark.parametrize("key", ["", "k" * 10_000, "k\x00", "k\u2028"])
def test_hostile_idempotency_keys_are_400(api, clock, key):
    alert_id = raise_alert(clock)
    before = snapshot()
    response = api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", headers={"Idempotency-Key": key}, **OPS)
    refused(response)
    assert snapshot() == before


def test_a_key_replayed_on_another_alert_is_422_and_changes_nothing(api, clock):
    first = raise_alert(clock, "rule_a")
    second = raise_alert(clock, "rule_b")
    assert api.call("POST", f"/v1/admin/alerts/{first}/acknowledge", key="same", **OPS).status_code == 200
    before = snapshot()
    refused(api.call("POST", f"/v1/admin/alerts/{second}/acknowledge", key="same", **OPS), 422)
    refused(api.call("POST", f"/v1/admin/alerts/{second}/resolve", key="same", **OPS), 422)
    assert snapshot() == before


def test_a_silence_key_replayed_with_another_body_is_422_and_changes_nothing(api, clock):
    ends_at = (clock.now + 60 * MIN).isoformat()
    body = {"matchers": {"category": "user"}, "ends_at": ends_at, "reason": "known"}
    assert api.call("POST", "/v1/admin/silences", key="s", body=body, **OPS).status_code == 201
    before = snapshot()
    refused(api.call("POST", "/v1/admin/silences", key="s", body={**body, "reason": "other"}, **OPS), 422)
    assert snapshot() == before


def test_resolving_an_unknown_or_resolved_alert_changes_nothing(api, clock):
    alert_id = raise_alert(clock)
    assert api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="r", **OPS).status_code == 200
    before = without_idempotency(snapshot())
    refused(api.call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="a", **OPS), 409)
    assert api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="r2", **OPS).status_code == 200
    refused(api.call("POST", f"/v1/admin/alerts/{alert_id}x/resolve", key="r3", **OPS), 404)
    assert without_idempotency(snapshot()) == before


def _silence(clock, **overrides):
    return {"matchers": {"category": "user"}, "ends_at": (clock.now + 60 * MIN).isoformat(), "reason": "r", **overrides}


SILENCE_ATTACKS = {
    "ends_at fullwidth": {"ends_at": "2026-12-01T00:00:00Z".translate(FULLWIDTH)},
    "ends_at feb 30": {"ends_at": "2026-02-30T00:00:00Z"},
    "ends_at year 10000": {"ends_at": "+10000-01-01T00:00:00Z"},
    "ends_at no offset": {"ends_at": "2026-12-01T00:00:00"},
    "ends_at leap second": {"ends_at": "2026-12-31T23:59:60Z"},
    "ends_at year 9999 west": {"ends_at": "9999-12-31T23:59:59-12:00"},
    "ends_at year 1 east": {"ends_at": "0001-01-01T00:00:00+14:00"},
    "ends_at number": {"ends_at": 1_800_000_000},
    "ends_at huge": {"ends_at": "9" * 100_000},
    "ends_at null": {"ends_at": None},
    "ends_at list": {"ends_at": ["2026-12-01T00:00:00Z"]},
    "reason huge": {"reason": "r" * 1_000_000},
    "reason number": {"reason": 5},
    "reason blank": {"reason": " \t\n "},
    "matchers string": {"matchers": "user"},
    "matchers list": {"matchers": [{"category": "user"}]},
    "matchers empty strings": {"matchers": {"category": "", "rule": ""}},
    "matchers rule empty": {"matchers": {"rule": ""}},
    "matchers rule hash": {"matchers": {"rule": "a#b"}},
    "matchers rule slash": {"matchers": {"rule": "a/b"}},
    "matchers rule dots": {"matchers": {"rule": ".."}},
    "matchers rule huge": {"matchers": {"rule": "r" * 10_240}},
    "matchers rule number": {"matchers": {"rule": 7}},
    "matchers category unknown": {"matchers": {"category": "USER"}},
    "matchers extra": {"matchers": {"category": "user", "level": "warning"}},
}


@pytest.mark.parametrize("change", list(SILENCE_ATTACKS.values()), ids=list(SILENCE_ATTACKS))
def test_hostile_silence_bodies_are_400_and_write_nothing(api, clock, change):
    before = snapshot()
    refused(api.call("POST", "/v1/admin/silences", key="s", body=_silence(clock, **change), **OPS))
    assert snapshot() == before


@pytest.mark.parametrize(
    "raw",
    [DEEP, b"[" * 100_000, b"", b"null", b"[]", b'"x"', b"\xff\xfe", b'{"matchers": {"category": "user"}}' * 2],
)
def test_hostile_raw_silence_bodies_are_400_and_write_nothing(api, raw):
    before = snapshot()
    refused(api.call("POST", "/v1/admin/silences", key="s", raw=raw, **OPS))
    assert snapshot() == before


def test_deleting_a_silence_twice_is_404_the_second_time(api, clock):
    created = payload(api.call("POST", "/v1/admin/silences", key="s", body=_silence(clock), **OPS))
    silence_id = created["silence_id"]
    assert api.call("DELETE", f"/v1/admin/silences/{silence_id}", **OPS).status_code == 200
    before = snapshot()
    refused(api.call("DELETE", f"/v1/admin/silences/{silence_id}", **OPS), 404)
    refused(api.call("DELETE", f"/v1/admin/silences/{silence_id}x", **OPS), 404)
    assert snapshot() == before


KPI_QUERIES = [
    "",
    "from=2026-01-01",
    "to=2026-01-01",
    "from=" + quote("2026-01-01".translate(FULLWIDTH)) + "&to=2026-01-02",
    "from=" + quote("2026-01-01".translate(ARABIC)) + "&to=2026-01-02",
    "from=2026-02-30&to=2026-03-01",
    "from=%2B10000-01-01&to=%2B10000-01-02",
    "from=2026-01-01T00:00:00&to=2026-01-02",
    "from=2026-01-01T00:00:00%2B14:00&to=2026-01-02",
    "from=20260101&to=20260102",
    "from=2026-W01-1&to=2026-01-02",
    "from=%202026-01-01&to=2026-01-02",
    "from=2026-01-01%0A&to=2026-01-02",
    "from=2026-01-02&to=2026-01-01",
    "from=2026-01-01&to=2027-01-02",
    "from=0000-01-01&to=0000-01-02",
    "from=0001-01-01&to=9999-12-31",
    "from=" + "9" * 10_000 + "&to=2026-01-01",
    "from=%C2%B2&to=2026-01-01",
]


@pytest.mark.parametrize("query", KPI_QUERIES)
def test_hostile_kpi_ranges_are_400(api, query):
    refused(api.call("GET", f"/v1/admin/kpis?{query}", **OPS))


@pytest.mark.parametrize(
    "query", ["from=2026-01-01&to=2027-01-01", "from=0001-01-01&to=0001-01-01", "from=9999-12-31&to=9999-12-31"]
)
def test_kpi_ranges_at_the_limits_are_answered(api, query):
    response = api.call("GET", f"/v1/admin/kpis?{query}", **OPS)
    assert response.status_code == 200, response.body


JOB_BODIES = {
    "day fullwidth": {"day": "2026-11-20".translate(FULLWIDTH)},
    "day feb 30": {"day": "2026-02-30"},
    "day year 10000": {"day": "+10000-01-01"},
    "day datetime": {"day": "2026-11-20T00:00:00"},
    "day datetime with offset": {"day": "2026-11-20T00:00:00+14:00"},
    "day compact": {"day": "20261120"},
    "day today": {"day": "2026-11-22"},
    "day future": {"day": "9999-12-31"},
    "day year 1": {"day": "0001-01-01"},
    "day number": {"day": 20261120},
    "day null": {"day": None},
    "day huge": {"day": "9" * 100_000},
    "extra field": {"day": "2026-11-20", "segments": 4},
    "list": [{"day": "2026-11-20"}],
}


@pytest.mark.parametrize("body", list(JOB_BODIES.values()), ids=list(JOB_BODIES))
def test_hostile_job_bodies_are_400_and_start_nothing(api, body):
    before = snapshot()
    refused(api.call("POST", "/v1/admin/jobs/kpi-snapshot", key="j", body=body, **OPS))
    assert snapshot() == before


@pytest.mark.parametrize("raw", [DEEP, b"[" * 100_000, b"\xff", b"1e999999", b'{"day": "2026-11-20"}x'])
def test_hostile_raw_job_bodies_are_400_and_start_nothing(api, raw):
    before = snapshot()
    refused(api.call("POST", "/v1/admin/jobs/kpi-snapshot", key="j", raw=raw, **OPS))
    assert snapshot() == before


def test_a_day_for_a_job_that_takes_none_is_400(api):
    before = snapshot()
    refused(api.call("POST", "/v1/admin/jobs/recalculate-tiers", key="j", body={"day": "2026-11-20"}, **OPS))
    assert snapshot() == before


def test_a_job_key_replayed_with_another_day_is_422_and_starts_nothing(api):
    first = api.call("POST", "/v1/admin/jobs/kpi-snapshot", key="j", body={"day": "2026-11-20"}, **OPS)
    assert first.status_code == 202, first.body
    before = snapshot()
    refused(api.call("POST", "/v1/admin/jobs/kpi-snapshot", key="j", body={"day": "2026-11-19"}, **OPS), 422)
    assert snapshot() == before


OPS_ROUTES = [
    ("GET", "/v1/admin/alerts"),
    ("POST", "/v1/admin/alerts/alr_x/acknowledge"),
    ("POST", "/v1/admin/alerts/alr_x/resolve"),
    ("POST", "/v1/admin/silences"),
    ("GET", "/v1/admin/silences"),
    ("DELETE", "/v1/admin/silences/sil_x"),
    ("GET", "/v1/admin/kpis?from=2026-01-01&to=2026-01-02"),
    ("POST", "/v1/admin/jobs/kpi-snapshot"),
]


@pytest.mark.parametrize(("method", "path"), OPS_ROUTES)
def test_fans_and_strangers_are_refused_and_change_nothing(api, clock, method, path):
    before = snapshot()
    refused(api.call(method, path, who="fan-1", key="k", body=_silence(clock)), 403)
    assert api.call(method, path, key="k", body=_silence(clock)).status_code == 401  # the gateway's own answer
    refused(api.call(method, path, key="k", body=_silence(clock), headers={"Authorization": "Bearer x.y.z"}), 401)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), OPS_ROUTES)
def test_deep_bodies_on_every_ops_route_are_400(api, method, path):
    before = snapshot()
    refused(api.call(method, path, key="k", raw=DEEP, **OPS))
    assert snapshot() == before


def test_me_with_tier_progress_for_a_new_and_an_operator_token(api):
    fresh = api.call("GET", "/v1/me", who="fan-new")
    assert fresh.status_code in (200, 404), fresh.body
    operator = api.call("GET", "/v1/me", **OPS)
    assert operator.status_code < 500, operator.body


@pytest.mark.parametrize("query", ["?x=" + "y" * 10_000, "?limit=%C2%B2", "?since=%00"])
def test_me_ignores_or_refuses_hostile_queries(api, query):
    api.call("POST", "/v1/checkins", who="fan-1")
    response = api.call("GET", f"/v1/me{query}", who="fan-1")
    assert response.status_code < 500, response.body


def test_a_cursor_reused_with_a_later_since_is_400_not_a_start_key_outside_the_query(api, clock):
    """DynamoDB refuses an ExclusiveStartKey below the `since` bound (ValidationException: a 5xx); moto allows it."""
    for n in range(3):
        raise_alert(clock, f"rule_{n}")
        clock.now += MIN
    cursor = payload(api.call("GET", "/v1/admin/alerts?limit=1", **OPS))["next_cursor"]
    for since in ("9999-12-30T00:00:00Z", (clock.now - MIN / 2).isoformat()):
        response = api.call("GET", f"/v1/admin/alerts?limit=1&cursor={cursor}&since={quote(since)}", **OPS)
        assert refused(response)["errors"][0]["field"] == "cursor"


def test_a_forged_cursor_below_since_is_400(api, clock):
    from chalicelib.persistence import cursors

    forged = cursors.encode(cursors.prefix("al", "alert") + "2026-11-22T04:00:00.000000+00:00|alr_" + "0" * 32 + "-1")
    response = api.call("GET", f"/v1/admin/alerts?cursor={forged}&since=2026-11-23T00:00:00Z", **OPS)
    assert refused(response)["errors"][0]["field"] == "cursor"


def test_a_cursor_reused_with_an_earlier_since_still_pages(api, clock):
    raised = []
    for n in range(3):
        raised.append(raise_alert(clock, f"rule_{n}"))
        clock.now += MIN
    cursor = payload(api.call("GET", "/v1/admin/alerts?limit=1", **OPS))["next_cursor"]
    since = quote((clock.now - 10 * MIN).isoformat())
    response = api.call("GET", f"/v1/admin/alerts?cursor={cursor}&since={since}", **OPS)
    assert response.status_code == 200, response.body
    assert [i["alert_id"] for i in payload(response)["items"]] == raised[1::-1]


@pytest.mark.parametrize("offset", ["+14:00", "-12:00"])
def test_a_silence_ending_at_an_offset_instant_ends_at_that_instant(api, clock, offset):
    from datetime import datetime

    ends = (clock.now + 60 * MIN).astimezone(datetime.fromisoformat(f"2026-01-01T00:00:00{offset}").tzinfo)
    created = api.call("POST", "/v1/admin/silences", key="s", body=_silence(clock, ends_at=ends.isoformat()), **OPS)
    assert created.status_code == 201, created.body
    assert datetime.fromisoformat(payload(created)["ends_at"]) == clock.now + 60 * MIN
    clock.now += 59 * MIN
    assert len(payload(api.call("GET", "/v1/admin/silences", **OPS))["items"]) == 1
    clock.now += 2 * MIN
    assert payload(api.call("GET", "/v1/admin/silences", **OPS))["items"] == []
