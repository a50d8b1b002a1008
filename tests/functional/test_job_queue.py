"""Queue mode: a run's segments on SQS (moto), worked by the SQS-triggered Lambda as its event source would invoke it.

Duplicates, messages for done segments, two workers on one segment, a worker killed mid-segment, a
bad message in a batch, a segment failing into the DLQ: none doubles a count or changes a fan twice.
"""

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.domain.jobs import SegmentTask
from chalicelib.persistence import job_runs, tables
from chalicelib.services import caches, fan_update, job_worker, jobs, points_expiry
from chalicelib.settings import get_settings
from tests.support import Platform, balance, ledger_entries, ledger_sum, payload, reward_body, state, tick

EXPIRY, TIERS = "expire-points", "recalculate-tiers"
AGED = ("fan-a", "fan-b", "fan-c")
EXPIRED = {"fans": 3, "expired": 3, "points_expired": 10 + 10 + 5 + 10}
DUE = datetime(2028, 1, 26, 17, 0, tzinfo=UTC)  # 01:00 on 2028-01-27 in Shanghai: expire-points is due
QUEUE = json.loads((Path(__file__).resolve().parents[2] / "infra" / "resources.json").read_text())["Resources"][
    "JobSegmentsQueue"
]["Properties"]
VISIBILITY_TIMEOUT, MAX_RECEIVES = QUEUE["VisibilityTimeout"], QUEUE["RedrivePolicy"]["maxReceiveCount"]


class Killed(BaseException):
    """The Lambda runtime ending a worker mid-page (a timeout, out of memory): nothing after it runs."""


def age(api, clock):
    """Three fans with points past their validity (tests/functional/test_jobs.py's `aged`): 35 points expire."""
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=5, stock_remaining=100))
    for fan in AGED:
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
    assert api.call("POST", "/v1/redemptions", who="fan-b", key="k", body={"reward_id": "pin"}).status_code == 201
    clock.now += timedelta(days=30)
    assert api.call("POST", "/v1/checkins", who="fan-a").status_code == 201
    clock.now += timedelta(days=400)


@pytest.fixture
def aged(api, clock, job_queue):
    age(api, clock)
    return api


def start(api, job=EXPIRY, key="run-1"):
    response = api.call("POST", f"/v1/admin/jobs/{job}", who="ops", admin=True, key=key)
    assert response.status_code == 202, response.body
    return payload(response)


def run_of(api, job, run_id):
    return payload(api.call("GET", f"/v1/admin/jobs/{job}/runs/{run_id}", who="ops", admin=True))


def expiries(api, fan):
    return [e for e in ledger_entries(api, fan) if e["kind"] == "expiry"]


def assert_expired_once(api):
    assert [balance(api, f) for f in AGED] == [0, 0, 0]
    for fan in AGED:
        assert ledger_sum(api, fan) == 0
        refs = [e["ref"] for e in expiries(api, fan)]
        assert len(refs) == len(set(refs)) and refs, (fan, refs)


def test_an_operator_run_is_answered_running_and_finished_by_the_workers(aged, job_queue):
    segments = get_settings().job_segments
    started = start(aged)
    assert started["status"] == "running"
    assert [balance(aged, f) for f in AGED] == [20, 5, 10]  # nothing done in the request
    assert job_queue.depth() == segments  # expire-points has no measure phase: one apply message a segment
    assert run_of(aged, EXPIRY, started["run_id"])["status"] == "running"
    replay = aged.call("POST", f"/v1/admin/jobs/{EXPIRY}", who="ops", admin=True, key="run-1")
    assert payload(replay) == started and replay.headers["Idempotent-Replayed"] == "true"

    delivered = [SegmentTask.parse(body) for body in job_queue.drain(aged)]
    assert sorted(t.segment for t in delivered) == list(range(segments))
    run = run_of(aged, EXPIRY, started["run_id"])
    assert (run["status"], run["segments_done"], run["summary"]) == ("succeeded", segments, EXPIRED)
    assert_expired_once(aged)
    assert job_queue.dead() == 0
    second = start(aged, key="run-2")  # the lock was released by the last segment
    job_queue.drain(aged)
    assert run_of(aged, EXPIRY, second["run_id"])["summary"] == {"fans": 3, "unchanged": 3}


def seed_tiers(api, clock):
    """Twenty fans with scores 0..20 (tests/functional/test_tiers_job.py), so that the cut-offs fall between ties."""
    tiktok = Platform(api)
    for n in range(20):
        fan = f"fan-{n:02d}"
        tiktok.link(fan, f"tt-{fan}")
        kinds = (["checkin"] + ["liked"] * 3 + ["commented"] * 2 + ["shared"] * 2)[: n % 9]
        for i, kind in enumerate(kinds):
            if kind == "checkin":
                assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
            else:
                tiktok.engage(kind, f"tt-{fan}", f"c-{fan}-{i}", clock.now)


def tiers_outcome(api, run_id):
    run = run_of(api, TIERS, run_id)
    profiles = {f"fan-{n:02d}": payload(api.call("GET", "/v1/me", who=f"fan-{n:02d}")) for n in range(20)}
    segments = payload(api.call("GET", "/v1/admin/segments", who="ops", admin=True))
    shown = {k: segments[k] for k in ("cutoffs", "tiers", "changes", "fans")}
    return run["status"], run["summary"], {f: (p["tier"], p["tier_since"]) for f, p in profiles.items()}, shown


def test_a_queued_recalculation_measures_then_applies_and_agrees_with_the_in_process_run(api, clock, job_queue):
    segments = get_settings().job_segments
    began = clock.now
    seed_tiers(api, clock)
    queued = start(api, TIERS)
    assert job_queue.depth() == segments
    phases = [SegmentTask.parse(body).phase for body in job_queue.drain(api)]
    assert phases == ["measure"] * segments + ["apply"] * segments  # each segment once a phase: no repeat
    from_queue = tiers_outcome(api, queued["run_id"])
    assert from_queue[0] == "succeeded" and from_queue[1]["promoted"] == 12

    tables.delete_all()  # the same community again, worked in-process
    tables.create_all()
    caches.clear_all()
    clock.now = began
    seed_tiers(api, clock)
    job_queue_url = get_settings().job_queue_url
    get_settings.cache_clear()
    os.environ.pop("JOB_QUEUE_URL")
    try:
        in_process = start(api, TIERS)
        assert in_process["status"] == "succeeded"
        assert tiers_outcome(api, in_process["run_id"]) == from_queue
    finally:
        os.environ["JOB_QUEUE_URL"] = job_queue_url
        get_settings.cache_clear()


def test_duplicated_messages_and_messages_for_done_segments_change_nothing_twice(aged, job_queue):
    started = start(aged)
    bodies = [m["Body"] for m in job_queue.receive(10)]
    job_queue.send(*bodies, *bodies)  # every segment message three times
    job_queue.drain(aged)
    run = run_of(aged, EXPIRY, started["run_id"])
    assert (run["status"], run["summary"], run["segments_done"]) == ("succeeded", EXPIRED, run["segments"])
    assert_expired_once(aged)

    after = state()
    job_queue.send(*bodies)  # late copies, for a finished run
    assert len(job_queue.drain(aged)) == len(bodies)
    assert state() == after


def test_a_repeated_last_measure_message_hands_the_apply_phase_on_harmlessly(api, clock, job_queue):
    seed_tiers(api, clock)
    started = start(api, TIERS)
    measured = []
    while len(measured) < get_settings().job_segments:
        [message] = job_queue.receive()
        job_queue.deliver(api, [message])
        measured.append(message["Body"])
    job_queue.send(measured[-1], measured[-1])  # the last segment's message again, before any apply worker ran
    job_queue.drain(api)
    run = run_of(api, TIERS, started["run_id"])
    assert run["status"] == "succeeded" and run["summary"]["fans"] == 20 and run["summary"]["promoted"] == 12
    versions = {f"fan-{n:02d}": fan_update.read(f"fan-{n:02d}").version for n in range(20)}
    job_queue.send(*measured)  # the measure phase's messages once more, after the run finished
    job_queue.drain(api)
    assert {f: fan_update.read(f).version for f in versions} == versions


def test_a_long_segment_is_continued_by_new_messages_from_its_checkpoint(aged, job_queue, monkeypatch):
    monkeypatch.setattr(job_worker, "PAGE", 1)  # a page a fan; the test context's 3 s is under RESERVE
    started = start(aged)
    segments = [SegmentTask.parse(body).segment for body in job_queue.drain(aged)]
    assert set(segments) == set(range(get_settings().job_segments))
    assert len(segments) > len(set(segments))  # a segment with fans on more than one page went on in a new message
    run = run_of(aged, EXPIRY, started["run_id"])
    assert (run["status"], run["summary"]) == ("succeeded", EXPIRED)
    assert_expired_once(aged)


def test_a_worker_killed_mid_segment_is_resumed_from_its_checkpoint_and_a_copy_meanwhile_is_dropped(
    aged, clock, job_queue, monkeypatch
):
    monkeypatch.setattr(job_worker, "PAGE", 1)
    decided = []

    def killed_at_the_second_fan(fan, at, context=None):
        if len(decided) == 1:
            raise Killed()
        decided.append(fan.fan_id)
        return points_expiry.decide(fan, at, context)

    monkeypatch.setitem(jobs.REGISTRY, EXPIRY, replace(points_expiry.JOB, decide=killed_at_the_second_fan))
    started = start(aged)
    with pytest.raises(Killed):
        for _ in range(100):
            dying = job_queue.receive()
            job_queue.deliver(aged, dying)
    visibility = VISIBILITY_TIMEOUT
    job_queue.hide(dying[0], visibility)  # in flight: SQS returns it after its visibility timeout
    monkeypatch.setitem(jobs.REGISTRY, EXPIRY, points_expiry.JOB)
    task = SegmentTask.parse(dying[0]["Body"])

    assert job_queue.invoke(aged, dying[0]["Body"]) == set()  # a copy meanwhile: the segment is held, left alone
    assert not job_runs.segment(EXPIRY, task.run_id, "apply", task.segment).done
    job_queue.drain(aged)  # every other segment
    assert run_of(aged, EXPIRY, started["run_id"])["status"] == "running"

    clock.now += timedelta(seconds=visibility)  # the killed worker's claim ended long before
    job_queue.hide(dying[0], 0)
    job_queue.drain(aged)
    run = run_of(aged, EXPIRY, started["run_id"])
    assert (run["status"], run["summary"]) == ("succeeded", EXPIRED)
    assert_expired_once(aged)


@pytest.mark.parametrize("lease_expired", [False, True], ids=["live-holder", "holder-past-its-lease"])
def test_a_second_worker_on_a_segment_mid_page_never_doubles_a_count(
    aged, clock, job_queue, monkeypatch, lease_expired
):
    """One segment holding every fan; a copy of its message arrives after the first fan of the page was written.

    A live holder keeps it: the copy does nothing and the summary is exact. A holder past its lease
    (presumed dead) is taken over: the new worker's pass counts, the old one's completion is refused,
    so no fan is counted twice, and the fan the old worker had already changed counts as unchanged.
    """
    real = jobs.get_settings
    monkeypatch.setattr(jobs, "get_settings", lambda: replace(real(), job_segments=1))
    decided: list[str] = []
    copy: list[set[str]] = []

    def with_a_second_worker(fan, at, context=None):
        decided.append(fan.fan_id)
        if len(decided) == 2 and not copy:  # the first worker wrote one fan of its page and holds the rest
            copy.append(set())
            if lease_expired:
                clock.now += timedelta(hours=1)
            copy[0] = job_queue.invoke(aged, body)
        return points_expiry.decide(fan, at, context)

    monkeypatch.setitem(jobs.REGISTRY, EXPIRY, replace(points_expiry.JOB, decide=with_a_second_worker))
    started = start(aged)
    [message] = job_queue.receive()
    body = message["Body"]
    assert job_queue.deliver(aged, [message]) == set() and copy == [set()]
    assert job_queue.depth() == 0
    run = run_of(aged, EXPIRY, started["run_id"])
    assert (run["status"], run["segments"], run["segments_done"]) == ("succeeded", 1, 1)
    assert_expired_once(aged)
    if lease_expired:
        assert run["summary"]["fans"] == 3 and run["summary"]["expired"] + run["summary"]["unchanged"] == 3
    else:
        assert run["summary"] == EXPIRED
        assert len(decided) == 3  # the copy decided nothing


def test_one_bad_message_in_a_batch_is_returned_alone_and_ends_in_the_dlq(aged, job_queue):
    started = start(aged)
    job_queue.send("{not a segment")
    batch = job_queue.receive(10)
    assert len(batch) == get_settings().job_segments + 1
    [bad] = [m["MessageId"] for m in batch if m["Body"] == "{not a segment"]
    assert job_queue.deliver(aged, batch) == {bad}
    run = run_of(aged, EXPIRY, started["run_id"])
    assert (run["status"], run["summary"]) == ("succeeded", EXPIRED)  # the good ones were not redone
    assert len(job_queue.drain(aged)) == MAX_RECEIVES - 1  # the bad one alone, until its last receive
    assert (job_queue.depth(), job_queue.dead()) == (0, 1)
    assert run_of(aged, EXPIRY, started["run_id"])["summary"] == EXPIRED


def failing(fan, at, context=None):
    raise RuntimeError("the decision broke")


def test_a_segment_failing_every_receive_fails_its_run_into_the_dlq_and_the_next_tick_retries_it(
    api, clock, job_queue, monkeypatch
):
    counted: list[str] = []
    real = jobs.count
    monkeypatch.setattr(jobs, "count", lambda name, value=1, **dims: (counted.append(name), real(name, value, **dims)))
    monkeypatch.setattr(jobs, "REGISTRY", {EXPIRY: replace(points_expiry.JOB, decide=failing)})
    for fan in ("fan-a", "fan-b"):
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201  # 10 points each in 2026-11
    clock.now = DUE
    [ticked] = tick(api)
    assert (ticked["run_id"], ticked["status"]) == ("2028-01-27", "running")
    job_queue.drain(api)
    run = run_of(api, EXPIRY, "2028-01-27")
    assert (run["status"], run["error"]) == ("failed", "RuntimeError: the decision broke")
    assert run["finished_at"] is not None and counted.count("JobRunsFailed") >= 1
    assert job_queue.depth() == 0 and 1 <= job_queue.dead() <= 2  # the segments holding a fan
    assert [balance(api, f) for f in ("fan-a", "fan-b")] == [10, 10]

    monkeypatch.setattr(jobs, "REGISTRY", {EXPIRY: points_expiry.JOB})  # fixed
    clock.now += timedelta(hours=1)
    [ticked] = tick(api)
    assert ticked["status"] == "running" and counted.count("JobRunsRetried") == 1
    job_queue.drain(api)
    run = run_of(api, EXPIRY, "2028-01-27")
    assert (run["status"], run["error"]) == ("succeeded", None)
    assert run["summary"] == {"fans": 2, "expired": 2, "points_expired": 20}
    assert [balance(api, f) for f in ("fan-a", "fan-b")] == [0, 0]
    clock.now += timedelta(hours=1)
    assert tick(api) == [ticked | {"status": "succeeded", "summary": run["summary"]}]  # joined, nothing enqueued
    assert job_queue.depth() == 0


def test_a_run_the_queue_refuses_is_recorded_failed_and_answered_so(aged, job_queue):
    os.environ["JOB_QUEUE_URL"] = job_queue.url + "-gone"  # the job_queue fixture puts it back
    get_settings.cache_clear()
    try:
        answer = start(aged)
    finally:
        os.environ["JOB_QUEUE_URL"] = job_queue.url
        get_settings.cache_clear()
    assert answer["status"] == "failed"
    run = run_of(aged, EXPIRY, answer["run_id"])
    assert run["status"] == "failed" and "QueueDoesNotExist" in run["error"]
    again = start(aged, key="run-2")  # the failed run let its lock go
    assert again["status"] == "running"
    job_queue.drain(aged)
    assert run_of(aged, EXPIRY, again["run_id"])["summary"] == EXPIRED
