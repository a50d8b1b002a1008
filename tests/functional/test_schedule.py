"""The hourly tick: each job starts at its community-local hour (Asia/Shanghai here), once per day, failures apart.

Driven through the scheduled Lambda (`run_due_jobs`) as EventBridge invokes it, with chalice's test client.
"""

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.observability import logger
from chalicelib.persistence import job_runs
from chalicelib.services import jobs, points_expiry
from tests.support import payload, state, tick

EXPIRY = "expire-points"
# 16:30 UTC on 2028-01-26 is 00:30 on the 27th in Shanghai: past 01:00 UTC, half an hour before 01:00 local
BEFORE = datetime(2028, 1, 26, 16, 30, tzinfo=UTC)
DUE = datetime(2028, 1, 26, 17, 0, tzinfo=UTC)  # 01:00 on 2028-01-27 in Shanghai


@pytest.fixture(autouse=True)
def expiry_alone(monkeypatch):
    """The tick is exercised with one job (expire-points); every job is due and run the same way."""
    monkeypatch.setattr(jobs, "REGISTRY", {EXPIRY: jobs.REGISTRY[EXPIRY]})


@pytest.fixture
def expiring(api, clock):
    """Two fans whose 2026-11 check-in points (10 each) expired at the end of 2027-11."""
    for fan in ("fan-a", "fan-b"):
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
    return api


@pytest.fixture
def counted(monkeypatch):
    """The metrics the job runner counts, by name."""
    names: list[str] = []
    real = jobs.count
    monkeypatch.setattr(jobs, "count", lambda name, value=1, **dims: (names.append(name), real(name, value, **dims)))
    return names


@pytest.fixture
def logged():
    """The JSON lines the Powertools logger writes while the test runs."""
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.registered_handler.setStream(previous)


def balance(api, fan):
    return payload(api.call("GET", "/v1/me", who=fan))["balance"]


def run_of(api, job, run_id):
    return payload(api.call("GET", f"/v1/admin/jobs/{job}/runs/{run_id}", who="ops", admin=True))


def failing(fan, at, context=None):
    raise RuntimeError("the decision broke")


def test_a_job_is_not_due_before_its_community_local_hour_though_utc_has_passed_it(expiring, clock):
    clock.now = BEFORE
    assert tick(expiring) == []
    assert [balance(expiring, f) for f in ("fan-a", "fan-b")] == [10, 10]
    assert run_of(expiring, EXPIRY, "2028-01-27")["code"] == "job_run_not_found"
    clock.now = DUE
    [ticked] = tick(expiring)
    assert ticked == {
        "job": EXPIRY,
        "run_id": "2028-01-27",  # the community day, not UTC's 2028-01-26
        "status": "succeeded",
        "summary": {"fans": 2, "expired": 2, "points_expired": 20},
        "error": None,
    }
    assert [balance(expiring, f) for f in ("fan-a", "fan-b")] == [0, 0]
    run = run_of(expiring, EXPIRY, "2028-01-27")
    assert (run["status"], run["trigger"], run["summary"]) == ("succeeded", "schedule", ticked["summary"])


def test_a_repeated_or_duplicated_tick_joins_the_days_run_and_changes_nothing(expiring, clock):
    clock.now = DUE
    [first] = tick(expiring, "tick-1")
    after_first = state()
    assert tick(expiring, "tick-1") == [first]  # EventBridge delivered the same event twice
    clock.now = DUE + timedelta(hours=22)  # 23:00 local: the last tick of the same community day
    assert tick(expiring, "tick-2") == [first]
    assert state() == after_first
    clock.now = DUE + timedelta(hours=23)  # 00:00 on the 28th: the next day's run is not due yet
    assert tick(expiring, "tick-3") == []


def test_a_missed_hour_is_caught_up_by_the_next_tick(expiring, clock):
    clock.now = DUE + timedelta(hours=5)  # the 01:00..05:00 ticks never came
    [ticked] = tick(expiring)
    assert (ticked["run_id"], ticked["status"]) == ("2028-01-27", "succeeded")


def test_a_failing_job_does_not_stop_the_others_is_recorded_failed_and_retried_next_tick(
    expiring, clock, monkeypatch, counted, logged, capsys
):
    broken = jobs.Job("broken-job", failing, hour=0)  # due earlier, so it runs first
    monkeypatch.setitem(jobs.REGISTRY, broken.name, broken)
    clock.now = DUE
    capsys.readouterr()
    ticked = tick(expiring, "tick-fail")
    assert [(t["job"], t["status"]) for t in ticked] == [("broken-job", "failed"), (EXPIRY, "succeeded")]
    assert ticked[0]["error"] == "RuntimeError: the decision broke"
    assert [balance(expiring, f) for f in ("fan-a", "fan-b")] == [0, 0]
    run = run_of(expiring, "broken-job", "2028-01-27")
    assert (run["status"], run["error"]) == ("failed", "RuntimeError: the decision broke")
    assert run["finished_at"] is not None
    assert counted.count("JobRunsFailed") == 1
    failure = next(line for line in logged() if line["message"] == "job run failed")
    assert (failure["job"], failure["correlation_id"], failure["level"]) == ("broken-job", "tick-fail", "ERROR")
    assert "RuntimeError: the decision broke" in failure["exception"]
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emf = [line for line in printed if "_aws" in line and "JobRunsFailed" in line]
    assert emf and emf[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]  # what the alarm watches

    clock.now += timedelta(hours=1)  # still failing: retried, failed again, counted again; the other job untouched
    assert [t["status"] for t in tick(expiring)] == ["failed", "succeeded"]
    assert counted.count("JobRunsFailed") == 2 and counted.count("JobRunsRetried") == 1

    monkeypatch.setitem(jobs.REGISTRY, broken.name, replace(broken, decide=points_expiry.decide))  # fixed
    clock.now += timedelta(hours=1)
    assert [t["status"] for t in tick(expiring)] == ["succeeded", "succeeded"]
    run = run_of(expiring, "broken-job", "2028-01-27")
    assert (run["status"], run["error"], run["summary"]) == ("succeeded", None, {"fans": 2, "unchanged": 2})
    assert counted.count("JobRunsRetried") == 2


def test_a_run_held_by_a_live_worker_is_left_to_it_and_taken_over_after_its_lease(expiring, clock):
    clock.now = DUE
    jobs.start(EXPIRY, "2028-01-27", "schedule", clock.now)  # a worker started the day's run, then died
    [ticked] = tick(expiring)
    assert ticked["status"] == "running"  # its lock is live: not worked twice at once
    assert [balance(expiring, f) for f in ("fan-a", "fan-b")] == [10, 10]
    clock.now += jobs.LEASE + timedelta(minutes=1)
    [ticked] = tick(expiring)
    assert (ticked["run_id"], ticked["status"]) == ("2028-01-27", "succeeded")
    assert [balance(expiring, f) for f in ("fan-a", "fan-b")] == [0, 0]


def test_an_operators_run_in_progress_defers_the_scheduled_run_to_the_next_tick(expiring, clock):
    clock.now = DUE
    jobs.start(EXPIRY, "manual-op", "operator", clock.now)  # holds the job's lock
    [ticked] = tick(expiring)
    assert (ticked["status"], ticked["run_id"]) == ("busy", "2028-01-27")
    assert job_runs.run(EXPIRY, "2028-01-27") is None
    jobs.run_in_process(jobs.run(EXPIRY, "manual-op"))
    clock.now += timedelta(hours=1)
    [ticked] = tick(expiring)
    assert ticked["status"] == "succeeded" and ticked["summary"] == {"fans": 2, "unchanged": 2}
