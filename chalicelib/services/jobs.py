"""Scheduled jobs: start a run (or join the one already there), hand its segments to workers, report it.

Deployed (`JOB_QUEUE_URL` set), a run's segments go to the SQS queue and SQS-triggered workers
sweep them (`job_worker`); locally and in tests the same worker function works them here, in
order. Every fan a job changes goes through the one fan-update path, so a run never loses a
concurrent write, nor is lost by one; each segment is checkpointed as it is swept and the per-fan
decisions are idempotent, so a crashed or repeated segment changes nothing twice (docs/jobs.md).
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from chalicelib import clock
from chalicelib.domain import jobs
from chalicelib.domain.errors import JobNotFound, JobRunning, JobRunNotFound
from chalicelib.domain.jobs import MalformedTask, SegmentTask
from chalicelib.observability import count, logger
from chalicelib.persistence import job_runs, writes
from chalicelib.persistence.transaction import outside_request_budget
from chalicelib.services import (
    idempotent,
    job_worker,
    kpi_snapshot,
    lifecycle_update,
    points_expiry,
    tier_recalculation,
)
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render
from chalicelib.services.job_spec import Job
from chalicelib.settings import get_settings

LEASE = timedelta(minutes=30)  # a run's lock outlives a crashed or stalled run by at most this long

REGISTRY: dict[str, Job] = {
    spec.name: spec
    for spec in (tier_recalculation.JOB, lifecycle_update.JOB, points_expiry.JOB, kpi_snapshot.JOB)
}


def job(name: str) -> Job:
    found = REGISTRY.get(name)
    if found is None:
        raise JobNotFound(f"No job {name!r}; jobs are {', '.join(sorted(REGISTRY))}.")
    return found


def operator_run_id(caller_key: str) -> str:
    """An operator's run is named by their idempotency key, so a retried request finds the same run."""
    return jobs.operator_run_id(hashlib.sha256(caller_key.encode()).hexdigest()[:20])


def start(
    name: str, run_id: str, trigger: jobs.Trigger, now: datetime, params: dict[str, str] | None = None
) -> jobs.JobRun:
    """Start a run, or return the run with this id if it exists (a duplicated start joins it)."""
    return _start(name, run_id, trigger, now, params)[0]


def _start(
    name: str, run_id: str, trigger: jobs.Trigger, now: datetime, params: dict[str, str] | None = None
) -> tuple[jobs.JobRun, bool]:
    """The run, and whether this call started it (False: it existed)."""
    spec = job(name)
    run = jobs.JobRun(spec.name, run_id, "running", now, get_settings().job_segments, trigger, params=params or {})
    try:
        job_runs.start(run, LEASE)
    except job_runs.RunExists as existing:
        return existing.run, False
    except job_runs.JobRunning as busy:
        raise JobRunning(f"Run {busy.run_id} of {name} is in progress.", run_id=busy.run_id) from None
    logger.info("job run started", extra={"job": name, "run_id": run_id, "trigger": trigger})
    return run, True


def run(name: str, run_id: str) -> jobs.JobRun:
    found = job_runs.run(job(name).name, run_id)
    if found is None:
        raise JobRunNotFound(f"No run {run_id} of {name}.")
    return found


def run_in_process(started: jobs.JobRun) -> jobs.JobRun:
    """Work every unfinished segment here, in order, through the deployed worker: the local stack's and tests' fan-out.

    What a worker hands on (the apply phase, a continuation) joins the same line. A run is not bound
    by the budget of the request that started it; each call keeps its own retries.
    """
    spec = job(started.job)
    with outside_request_budget():
        line = deque(job_worker.pending(spec, run(started.job, started.run_id)))
        while line:
            job_worker.work(spec, line.popleft(), line.extend, lambda: math.inf)
        job_worker.finish_if_complete(spec, started)  # a resumed run whose segments were all done before it stopped
        return run(started.job, started.run_id)  # inside too: the request's 5-second deadline may be long past


def work_message(body: str, receive_count: int, time_left: Callable[[], float]) -> None:
    """One segment message, received by an SQS-triggered worker; raising returns it to the queue.

    A message failing its last receive (it goes to the DLQ next) fails its run, visibly: the run's
    GET shows the error, `JobRunsFailed` alarms, and the next tick retries a scheduled run.
    """
    try:
        task = SegmentTask.parse(body)
    except MalformedTask:
        logger.exception("job segment message malformed", extra={"receive_count": receive_count})
        raise
    try:
        job_worker.work(job(task.job), task, _enqueue, time_left)
    except Exception as error:
        where = {**asdict(task), "receive_count": receive_count}
        if receive_count < get_settings().job_queue_max_receives:
            logger.exception("job segment failed; SQS retries it", extra=where)
        else:
            _failed(task.job, task.run_id, error)
        raise


def _launch(found: jobs.JobRun) -> jobs.JobRun:
    """Set a (re)started run going: onto the queue when there is one, else worked here; the run as it is now."""
    queue_url = get_settings().job_queue_url
    if queue_url is None:
        return run_in_process(found)
    current = run(found.job, found.run_id)
    tasks = job_worker.pending(job(found.job), current)
    if not tasks:
        job_worker.finish_if_complete(job(found.job), current)  # every segment was done before the run stopped
        return run(found.job, found.run_id)
    _enqueue(tasks)
    logger.info("job run enqueued", extra={"job": found.job, "run_id": found.run_id, "messages": len(tasks)})
    return current


def _enqueue(tasks: Sequence[SegmentTask]) -> None:
    from chalicelib.messaging import segment_queue  # only a queue-mode run loads the SQS client

    queue_url = get_settings().job_queue_url
    if queue_url is None:
        raise RuntimeError("a worker handed segments on without a JOB_QUEUE_URL")
    segment_queue.send(queue_url, [task.message() for task in tasks])


def start_for_operator(
    name: str,
    request: IdempotentRequest,
    render: Render[jobs.JobRun],
    now: datetime,
    params: dict[str, str] | None = None,
) -> Outcome:
    """An operator's run now: named by their key, set going, answered 202 and kept under the key.

    In-process the answer is the finished run; with the queue it is `running`, and the run's GET
    follows it. A run that raises is recorded `failed` with its error, and answered so.
    """

    def operation() -> Outcome:
        started = start(name, operator_run_id(request.key), "operator", now, params)
        try:
            done = _launch(started)
        except Exception as error:
            recorded = _failed(started.job, started.run_id, error)
            done = recorded or replace(started, status="failed", error=_describe(error))
        status, body = render(done)
        writes.keep_answer(request.record(status, body, now), now)
        return Outcome(status, body)

    return idempotent.run(request, now, operation, look_first=True)


TickStatus = Literal["running", "succeeded", "failed", "busy"]


@dataclass(frozen=True)
class Ticked:
    """What one tick did with one due job: its run as the tick left it.

    `busy`: another run of the job (an operator's) held the lock, so the day's run was not started;
    the next tick starts it. `running`: the day's run is being worked by another invocation.
    """

    job: str
    run_id: str
    status: TickStatus
    summary: dict[str, int]
    error: str | None = None


def tick(now: datetime) -> list[Ticked]:
    """The hourly schedule: start and work each job whose community-local hour has passed today.

    A run is named by its community day, so a repeated tick joins the day's run and changes nothing,
    and a missed tick is caught up by the next. A failed run is retried by the next tick, resuming
    from its checkpoints. One job's failure never stops the others (docs/jobs.md, "Schedules").
    """
    zone = get_settings().community_time_zone
    ticked = []
    for spec in sorted(REGISTRY.values(), key=lambda s: (s.hour, s.name)):
        day = jobs.due_day(now, zone, spec.hour)
        if day is None:
            continue
        result = _scheduled(spec, jobs.scheduled_run_id(day), now)
        logger.info("scheduled job ticked", extra=asdict(result))
        ticked.append(result)
    return ticked


def _scheduled(spec: Job, run_id: str, now: datetime) -> Ticked:
    try:
        return _start_and_work(spec, run_id, now)
    except Exception as error:
        recorded = _failed(spec.name, run_id, error)
        return Ticked(spec.name, run_id, "failed", recorded.summary if recorded else {}, _describe(error))


def _start_and_work(spec: Job, run_id: str, now: datetime) -> Ticked:
    context = {"job": spec.name, "run_id": run_id}
    try:
        found, started = _start(spec.name, run_id, "schedule", now)
    except JobRunning as busy:
        logger.warning("scheduled run deferred: another run holds the lock", extra={**context, "reason": str(busy)})
        return Ticked(spec.name, run_id, "busy", {}, str(busy))
    if not started:
        if found.status == "succeeded" or not job_runs.reclaim(found, now, LEASE):
            return _ticked(found)  # done, or being worked by another invocation (its lock is live)
        count("JobRunsRetried")
        previous = {"previous_status": found.status, "previous_error": found.error}
        logger.warning("scheduled run resumed", extra={**context, **previous})
    return _ticked(_launch(found))


def _failed(name: str, run_id: str, error: Exception) -> jobs.JobRun | None:
    """A run that raised: logged with its stack, counted for the alarm, and recorded failed (called while handling)."""
    logger.exception("job run failed", extra={"job": name, "run_id": run_id})
    count("JobRunsFailed")
    return _record_failure(name, run_id, _describe(error))


def _record_failure(name: str, run_id: str, error: str) -> jobs.JobRun | None:
    """Mark the run failed with its error and partial summary, so the run's GET shows it; best effort."""
    try:
        current = job_runs.run(name, run_id)
        if current is None or current.finished:
            return current
        failed = replace(current, status="failed", summary=job_worker.summary(job(name), run_id), error=error)
        job_runs.finish(failed, clock.now())
        return failed
    except Exception:
        logger.exception("could not record the failed run", extra={"job": name, "run_id": run_id})
        return None


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _ticked(found: jobs.JobRun) -> Ticked:
    return Ticked(found.job, found.run_id, found.status, found.summary, found.error)
