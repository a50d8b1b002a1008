"""Scheduled jobs through the run registry: expire-points run by an operator, retried, restarted and raced."""

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.jobs import scheduled_run_id
from chalicelib.persistence.transaction import request_budget
from chalicelib.services import jobs, points_expiry
from tests.support import ledger_sum, payload, reward_body


@pytest.fixture
def aged(api, clock):
    """Three fans whose first points are past their validity: 12 months after the month they were earned."""
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=5, stock_remaining=100))
    for fan in ("fan-a", "fan-b", "fan-c"):
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201  # 10 points in 2026-11
    assert api.call("POST", "/v1/redemptions", who="fan-b", key="k", body={"reward_id": "pin"}).status_code == 201
    clock.now += timedelta(days=30)
    assert api.call("POST", "/v1/checkins", who="fan-a").status_code == 201  # 10 more in 2026-12
    clock.now += timedelta(days=400)  # 2028-01: the 2026-11 points ended on 2027-11-30, December's on 2027-12-31
    return api


def start(api, key="run-1"):
    return api.call("POST", "/v1/admin/jobs/expire-points", who="ops", admin=True, key=key)


def balance(api, fan):
    return payload(api.call("GET", "/v1/me", who=fan))["balance"]


def test_an_operator_run_expires_unspent_points_once_and_reports(aged):
    response = start(aged)
    assert response.status_code == 202, response.body
    body = payload(response)
    assert body["job"] == "expire-points" and body["status"] == "succeeded"
    assert [balance(aged, f) for f in ("fan-a", "fan-b", "fan-c")] == [0, 0, 0]
    assert [ledger_sum(aged, f) for f in ("fan-a", "fan-b", "fan-c")] == [0, 0, 0]
    entries = payload(aged.call("GET", "/v1/me/ledger", who="fan-b"))["items"]
    assert (entries[0]["kind"], entries[0]["delta"], entries[0]["ref"]) == ("expiry", -5, "expiry:2026-11")  # 5 spent
    run = payload(aged.call("GET", f"/v1/admin/jobs/expire-points/runs/{body['run_id']}", who="ops", admin=True))
    assert run["status"] == "succeeded" and run["segments_done"] == run["segments"]
    assert run["summary"] == {"fans": 3, "expired": 3, "points_expired": 10 + 10 + 5 + 10}
    replay = start(aged)
    assert replay.status_code == 202 and replay.body == response.body
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = payload(start(aged, key="run-2"))
    rerun = payload(aged.call("GET", f"/v1/admin/jobs/expire-points/runs/{again['run_id']}", who="ops", admin=True))
    assert rerun["summary"] == {"fans": 3, "unchanged": 3}  # nothing expires twice


def test_a_crashed_run_resumes_where_it_stopped_and_expires_nothing_twice(aged, clock, monkeypatch):
    decided = []
    real = points_expiry.decide

    def crash_after_two(fan, at, context=None):
        if len(decided) == 2:
            raise RuntimeError("worker died")
        decided.append(fan.fan_id)
        return real(fan, at, context)

    run_id = scheduled_run_id(clock.now.date())
    first = jobs.start("expire-points", run_id, "schedule", clock.now)
    monkeypatch.setitem(jobs.REGISTRY, "expire-points", replace(points_expiry.JOB, decide=crash_after_two))
    with pytest.raises(RuntimeError):
        jobs.run_in_process(first)
    assert jobs.run("expire-points", run_id).status == "running"
    busy = start(aged, key="while-crashed")
    assert busy.status_code == 409 and payload(busy)["code"] == "job_running" and payload(busy)["run_id"] == run_id
    monkeypatch.setitem(jobs.REGISTRY, "expire-points", points_expiry.JOB)
    again = jobs.start("expire-points", run_id, "schedule", clock.now)  # the schedule fires again: same run
    assert again.run_id == run_id
    done = jobs.run_in_process(again)
    assert done.status == "succeeded"
    assert [balance(aged, f) for f in ("fan-a", "fan-b", "fan-c")] == [0, 0, 0]
    for fan in ("fan-a", "fan-b", "fan-c"):
        expiries = [e for e in payload(aged.call("GET", "/v1/me/ledger", who=fan))["items"] if e["kind"] == "expiry"]
        assert len(expiries) == len({e["ref"] for e in expiries}) and ledger_sum(aged, fan) == 0


def test_a_duplicated_scheduled_start_joins_the_finished_run(aged, clock):
    run_id = scheduled_run_id(clock.now.date())
    done = jobs.run_in_process(jobs.start("expire-points", run_id, "schedule", clock.now))
    duplicate = jobs.start("expire-points", run_id, "schedule", clock.now + timedelta(minutes=5))
    assert duplicate == done and jobs.run_in_process(duplicate) == done


def failing(fan, at, context=None):
    raise RuntimeError("the decision broke")


def test_an_operator_run_that_raises_is_recorded_failed_answered_so_and_lets_its_lock_go(aged, monkeypatch):
    counted = []
    real = jobs.count
    monkeypatch.setattr(jobs, "count", lambda name, value=1, **dims: (counted.append(name), real(name, value, **dims)))
    monkeypatch.setitem(jobs.REGISTRY, "expire-points", replace(points_expiry.JOB, decide=failing))
    response = start(aged)
    assert response.status_code == 202, response.body
    body = payload(response)
    assert body["status"] == "failed"
    run = payload(aged.call("GET", f"/v1/admin/jobs/expire-points/runs/{body['run_id']}", who="ops", admin=True))
    assert (run["status"], run["error"]) == ("failed", "RuntimeError: the decision broke")
    assert run["finished_at"] is not None and counted == ["JobRunsFailed"]
    assert [balance(aged, f) for f in ("fan-a", "fan-b", "fan-c")] == [20, 5, 10]  # nothing expired
    replay = start(aged)
    assert replay.body == response.body and replay.headers["Idempotent-Replayed"] == "true"
    monkeypatch.setitem(jobs.REGISTRY, "expire-points", points_expiry.JOB)
    again = payload(start(aged, key="run-2"))  # not 409: the failed run released the job's lock
    assert again["status"] == "succeeded" and again["run_id"] != body["run_id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/v1/admin/jobs/no-such-job", 404, "job_not_found"),
        ("GET", "/v1/admin/jobs/no-such-job/runs/r1", 404, "job_not_found"),
        ("GET", "/v1/admin/jobs/expire-points/runs/no-such-run", 404, "job_run_not_found"),
        ("POST", "/v1/admin/jobs/bad%23job", 400, "validation_error"),
    ],
)
def test_job_refusals(api, method, path, status, code):
    response = api.call(method, path, who="ops", admin=True, key="k")
    assert response.status_code == status and payload(response)["code"] == code


def test_fans_cannot_run_jobs(api):
    assert api.call("POST", "/v1/admin/jobs/expire-points", who="fan-1", key="k").status_code == 403


def test_a_run_worked_inside_a_request_is_not_bound_by_its_budget_even_to_report(aged, clock):
    """The local stack and tests work an operator's run inside the request: on a slow machine the run
    outlasts the request's 5-second deadline, and reading the finished run must not answer 503."""
    started = jobs.start("expire-points", "inside-a-request", "operator", clock.now)
    with request_budget(attempts=0, seconds=0):  # spent before the run begins
        done = jobs.run_in_process(started)
    assert done.status == "succeeded" and [balance(aged, f) for f in ("fan-a", "fan-b", "fan-c")] == [0, 0, 0]
