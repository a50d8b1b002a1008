"""Each Lambda's policy grants exactly the DynamoDB and SQS actions it makes, per table, index and queue.

The actions are not listed by hand: a tour drives every route and every webhook type, with warm and
cold caches, through the HTTP API while hooks record each request's (IAM action, resource). The tour
must reach every live route, so a new route joins it or this test fails. It runs as deployed, in
queue mode: the scheduled Lambda (`run_due_jobs`, sharing the API's policy) and the operator route
enqueue runs, and the segment worker (`work_job_segments`, its own role) is invoked by the queue
through a failed run, its DLQ, its retry and a join; its calls are checked against its own policy.
The alert functions (`alarm_state_changed`, `alert_sweep`, `risk_scan`) share their own role
(`.chalice/policy-alerts.json`): they join the tour, their calls checked against it.
"""

from dataclasses import replace
from datetime import timedelta

import pytest
from chalice.local import RouteMatcher

import app as application
from chalicelib.domain.days import local_day
from chalicelib.domain.jobs import scheduled_run_id
from chalicelib.domain.platform_events import DATA_TYPES
from chalicelib.messaging import segment_queue
from chalicelib.services import caches, jobs, points_expiry
from tests import iam
from tests.alert_support import alarm_event
from tests.support import clock_now, deliver, payload, reward_body, tick
from tools import devwebhooks


@pytest.fixture
def routes_reached(monkeypatch):
    reached: set[str] = set()
    match = RouteMatcher.match_route

    def recording(self, url):
        result = match(self, url)
        reached.add(result.route)
        return result

    monkeypatch.setattr(RouteMatcher, "match_route", recording)
    return reached


def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201, 202)), response.body
    return payload(response)


def samples(api, clock, cold):
    """Every sample delivery, in the order its story needs (link first, delete last)."""
    order = sorted(DATA_TYPES, key=lambda t: (t != "account.linked", t == "content.deleted", t))
    for event_type in order:
        if cold:
            caches.clear_all()
        ok(deliver(api, event_type, devwebhooks.sample(event_type, clock.now)["data"]), 202)


class Calls:
    """The API client, with every per-process cache emptied before each call when `cold` (a new container)."""

    def __init__(self, api, cold):
        self.api, self.cold = api, cold

    def __call__(self, method, path, *statuses, **kwargs):
        if self.cold:
            caches.clear_all()
        return ok(self.api.call(method, path, **kwargs), *statuses)


def work(api, calls, job_queue):
    """The queued segments, worked by the SQS-triggered Lambda (recorded as its calls)."""
    with calls.acting_as(iam.WORKER):
        job_queue.drain(api)


def operator_and_fan_routes(api, cold, calls, job_queue):
    call, run = Calls(api, cold), "cold" if cold else "warm"
    fan, pin, ops = f"fan-{run}", f"pin-{run}", {"who": "ops", "admin": True}
    call("PUT", f"/v1/admin/rewards/{pin}", 201, body=reward_body(cost=1), **ops)
    call("GET", "/v1/rewards", who=fan)
    call("POST", "/v1/checkins", 201, who=fan)
    call("PATCH", "/v1/me", who=fan, body={"time_zone": "Europe/Berlin"})
    rid = call("POST", "/v1/redemptions", 201, who=fan, key="t1", body={"reward_id": pin})["redemption_id"]
    call("POST", "/v1/redemptions", 201, who=fan, key="t1", body={"reward_id": pin})  # a replay
    call("GET", f"/v1/redemptions/{rid}", who=fan)
    call("GET", "/v1/me/redemptions?limit=1", who=fan)
    call("POST", f"/v1/admin/redemptions/{rid}/cancel", key=f"c-{run}", **ops)
    second = call("POST", "/v1/redemptions", 201, who=fan, key="t2", body={"reward_id": pin})["redemption_id"]
    call("POST", f"/v1/admin/redemptions/{second}/fulfil", **ops)
    call("POST", f"/v1/admin/rewards/{pin}/restock", key=f"r-{run}", body={"quantity": 3}, **ops)
    adjustment = {"delta": 5, "reason": "tour"}
    call("POST", f"/v1/admin/fans/{fan}/adjustments", 201, key=f"a-{run}", body=adjustment, **ops)
    call("GET", f"/v1/admin/fans/{fan}", **ops)
    call("GET", "/v1/me", who=fan)
    call("GET", "/v1/me/ledger?limit=2", who=fan)
    call("GET", "/v1/admin/content/tiktok/tt-video-7", **ops)
    run_id = call("POST", "/v1/admin/jobs/expire-points", 202, key=f"j-{run}", **ops)["run_id"]
    call("GET", f"/v1/admin/jobs/expire-points/runs/{run_id}", **ops)
    call("POST", "/v1/admin/jobs/recalculate-tiers", 202, key=f"t-{run}", **ops)
    call("POST", "/v1/admin/jobs/update-lifecycle", 202, key=f"l-{run}", **ops)
    yesterday = (local_day(clock_now(api), "Asia/Shanghai") - timedelta(days=1)).isoformat()
    call("POST", "/v1/admin/jobs/kpi-snapshot", 202, key=f"k-{run}", body={"day": yesterday}, **ops)
    work(api, calls, job_queue)
    call("GET", f"/v1/admin/kpis?from={yesterday}&to={yesterday}", **ops)
    assert call("GET", f"/v1/admin/jobs/expire-points/runs/{run_id}", **ops)["status"] == "succeeded"
    call("GET", "/v1/admin/segments", **ops)
    call("GET", "/v1/openapi.json")
    call("GET", "/v1/health")


def undo_deferred_like(api, clock):
    """A like deferred by a cold container, then undone by another: the undo looks the award up."""
    ok(deliver(api, "account.linked", {"external_user_id": "tt-undo", "fan_id": "fan-undo"}), 202)
    for kind in ("liked", "unliked"):
        caches.clear_all()
        data = {"content_id": "c-undo", "external_user_id": "tt-undo", "occurred_at": clock.now.isoformat()}
        ok(deliver(api, f"engagement.{kind}", data), 202)
        clock.now += timedelta(minutes=1)


def scheduled_ticks(api, clock, monkeypatch, calls, job_queue):
    """The hourly Lambda enqueues the day's runs; one fails every receive into the DLQ, is retried, then joined."""

    def failing(fan, at, context=None):
        raise RuntimeError("tour")

    broken = jobs.Job("tour-job", failing, hour=0)
    monkeypatch.setitem(jobs.REGISTRY, broken.name, broken)
    clock.now = clock.now.replace(hour=17, minute=0) + timedelta(days=1)  # 01:00 in Shanghai
    assert {t["status"] for t in tick(api)} == {"running"}
    work(api, calls, job_queue)
    day = scheduled_run_id(local_day(clock.now, "Asia/Shanghai"))
    runs = {name: jobs.run(name, day) for name, spec in jobs.REGISTRY.items() if spec.hour <= 1}  # due by 01:00
    assert runs.pop("tour-job").status == "failed" and {r.status for r in runs.values()} == {"succeeded"}
    assert job_queue.dead() >= 1
    monkeypatch.setitem(jobs.REGISTRY, broken.name, replace(broken, decide=points_expiry.decide))
    clock.now += timedelta(hours=1)
    assert {t["status"] for t in tick(api)} == {"succeeded", "running"}
    work(api, calls, job_queue)
    clock.now += timedelta(hours=1)
    assert {t["status"] for t in tick(api)} == {"succeeded"}


def expiry_and_a_refused_run(api, clock, calls, job_queue, monkeypatch):
    """The workers expire a year's points (ledger entries); a run the queue refuses is recorded failed."""
    clock.now += timedelta(days=400)
    ops = {"who": "ops", "admin": True}
    run_id = ok(api.call("POST", "/v1/admin/jobs/expire-points", key="expire-late", **ops))["run_id"]
    work(api, calls, job_queue)
    assert ok(api.call("GET", f"/v1/admin/jobs/expire-points/runs/{run_id}", **ops))["summary"]["expired"] > 0

    def refused(queue_url, bodies):
        raise segment_queue.NotSent("tour")

    monkeypatch.setattr(segment_queue, "send", refused)
    assert ok(api.call("POST", "/v1/admin/jobs/update-lifecycle", key="refused", **ops))["status"] == "failed"


def alert_operations(api, clock, calls):
    """An alarm raises a technical alert and the sweep escalates it; operators list, acknowledge, resolve, silence."""
    invoke = api.client.lambda_.invoke
    sweep = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["arn:aws:events:::rule/sweep"])
    with calls.acting_as(iam.ALERTS):
        assert invoke("alarm_state_changed", alarm_event("ALARM", clock.now)).payload["published"] == 1
        clock.now += timedelta(minutes=30)
        assert invoke("alert_sweep", sweep).payload["decided"] == {"escalated": 1}
    call, ops = Calls(api, cold=False), {"who": "ops", "admin": True}
    alert_id = call("GET", "/v1/admin/alerts?status=open", **ops)["items"][0]["alert_id"]
    call("GET", "/v1/admin/alerts?limit=1", **ops)
    call("POST", f"/v1/admin/alerts/{alert_id}/acknowledge", key="ack", **ops)
    call("POST", f"/v1/admin/alerts/{alert_id}/resolve", key="resolve", **ops)
    silence = {"matchers": {"category": "user"}, "ends_at": (clock.now + timedelta(hours=1)).isoformat(), "reason": "r"}
    silence_id = call("POST", "/v1/admin/silences", 201, key="silence", body=silence, **ops)["silence_id"]
    call("GET", "/v1/admin/silences", **ops)
    call("DELETE", f"/v1/admin/silences/{silence_id}", **ops)
    forged = {"webhook-id": "msg_forged", "webhook-timestamp": "0", "webhook-signature": "v1,AAAA"}
    assert api.client.http.request("POST", "/v1/webhooks/tiktok", headers=forged, body=b"{}").status_code == 401
    with calls.acting_as(iam.ALERTS):
        assert "levels" in invoke("risk_scan", sweep).payload


def test_each_policy_grants_exactly_the_actions_its_function_makes(api, clock, routes_reached, monkeypatch, job_queue):
    with iam.recording() as calls:
        samples(api, clock, cold=False)
        clock.now += timedelta(days=1)
        samples(api, clock, cold=True)
        for cold in (False, True):
            operator_and_fan_routes(api, cold, calls, job_queue)
        undo_deferred_like(api, clock)
        ok(api.call("DELETE", "/v1/admin/links/tiktok/tt-alice", who="ops", admin=True))
        scheduled_ticks(api, clock, monkeypatch, calls, job_queue)
        expiry_and_a_refused_run(api, clock, calls, job_queue, monkeypatch)
        alert_operations(api, clock, calls)
    assert routes_reached == set(application.app.routes), "extend the tour to the new routes"
    assert not (api_diff := iam.differing(calls.by_resource(), iam.granted())), f"policy-dev.json: {api_diff}"
    worker = calls.by_resource(iam.WORKER)
    worker[iam.queue_arn(application.JOB_SEGMENTS_QUEUE)] |= iam.EVENT_SOURCE_ACTIONS
    assert not (worker_diff := iam.differing(worker, iam.granted(iam.WORKER))), f"the worker's: {worker_diff}"
    alerting = calls.by_resource(iam.ALERTS)
    assert not (alerts_diff := iam.differing(alerting, iam.granted(iam.ALERTS))), f"the alerts': {alerts_diff}"
    for function in ("alarm_state_changed", "risk_scan"):
        assert iam.policy_file(function) == iam.policy_file(iam.ALERTS)


def test_the_recorder_sees_transaction_items_and_index_queries(api):
    """The recorder itself: item actions of a transaction and the index a query reads."""
    with iam.recording() as calls:
        ok(api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=0)), 201)
        ok(api.call("POST", "/v1/redemptions", who="fan-r", key="k", body={"reward_id": "pin"}), 201)
        ok(api.call("GET", "/v1/me/redemptions", who="fan-r"))
    redemptions = iam.deployed_arn(iam.get_settings().table_name("redemptions"))
    assert ("dynamodb:PutItem", redemptions) in calls.pairs
    assert ("dynamodb:Query", f"{redemptions}/index/by-fan") in calls.pairs
    assert ("dynamodb:Query", redemptions) not in calls.pairs


def test_the_stream_handlers_make_no_dynamodb_calls_their_policy_does_not_grant(api, streams):
    """Their policy (.chalice/policy-streams.json) grants stream reads, the bus, the failure queue and the KPI
    counters table only: the handlers decode what the records carry and keep the counters. The recorded calls
    are the app's; the pump's reads are Lambda's."""
    with iam.recording() as calls:
        ok(api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=0)), 201)
        ok(api.call("POST", "/v1/checkins", who="fan-s"), 201)
        ok(api.call("POST", "/v1/redemptions", who="fan-s", key="k", body={"reward_id": "pin"}), 201)
        ok(api.call("POST", "/v1/admin/jobs/recalculate-tiers", who="ops", admin=True, key="j"), 202)
        api_calls = set(calls.pairs)
        assert sorted(e["detail-type"] for e in streams.drain()) == ["RedemptionConfirmed", "TierChanged"]
    handlers = {}
    for action, arn in set(calls.pairs) - api_calls:
        handlers.setdefault(arn, set()).add(action)
    tables = {arn: actions for arn, actions in iam.granted("fans_stream").items() if ":dynamodb:" in arn and actions}
    assert handlers == tables  # the failure queue is written by Lambda, not by the handlers
