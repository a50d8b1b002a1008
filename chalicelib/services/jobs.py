"""Scheduled jobs: start a run (or join the one already there), work its segments, finish it once.

Every fan a job changes goes through the one fan-update path, from the state the scan read; the
version condition makes a fan changed meanwhile be decided again from its current item, so a
run never loses a concurrent write, nor is lost by one. Each segment is checkpointed after every
page, so a crashed run resumes where it stopped; the per-fan decisions are idempotent, so a page
worked twice changes nothing twice (docs/jobs.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from chalicelib import clock
from chalicelib.domain import fan as fans
from chalicelib.domain import jobs
from chalicelib.domain.errors import JobNotFound, JobRunning, JobRunNotFound
from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.observability import count, logger
from chalicelib.persistence import fan_scan, job_runs, writes
from chalicelib.persistence.transaction import outside_request_budget
from chalicelib.services import fan_update, idempotent, lifecycle_update, points_expiry, tier_recalculation
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render
from chalicelib.services.job_spec import Context, Counts, Job, Measure
from chalicelib.settings import get_settings

LEASE = timedelta(minutes=30)  # a run's lock outlives a crashed run by at most this long
PAGE = 100

REGISTRY: dict[str, Job] = {
    spec.name: spec for spec in (tier_recalculation.JOB, lifecycle_update.JOB, points_expiry.JOB)
}


def job(name: str) -> Job:
    found = REGISTRY.get(name)
    if found is None:
        raise JobNotFound(f"No job {name!r}; jobs are {', '.join(sorted(REGISTRY))}.")
    return found


def operator_run_id(caller_key: str) -> str:
    """An operator's run is named by their idempotency key, so a retried request finds the same run."""
    return jobs.operator_run_id(hashlib.sha256(caller_key.encode()).hexdigest()[:20])


def start(name: str, run_id: str, trigger: jobs.Trigger, now: datetime) -> jobs.JobRun:
    """Start a run, or return the run with this id if it exists (a duplicated start joins it)."""
    return _start(name, run_id, trigger, now)[0]


def _start(name: str, run_id: str, trigger: jobs.Trigger, now: datetime) -> tuple[jobs.JobRun, bool]:
    """The run, and whether this call started it (False: it existed)."""
    spec = job(name)
    run = jobs.JobRun(spec.name, run_id, "running", now, spec.segments, trigger)
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


APPLY, MEASURE = "apply", "measure"


def work(run: jobs.JobRun, number: int, context: Context | None) -> None:
    """Work one segment from its checkpoint to its end; the last segment to finish finishes the run."""
    spec = job(run.job)

    def apply(found: fans.Fan) -> Counts:
        added = fan_update.update(
            found.fan_id, lambda f: spec.decide(f, run.started_at, context), known=found, known_fresh=True
        )
        return {"fans": 1, **added}

    if _sweep(run, APPLY, number, apply):
        _finish_if_complete(run)


def _measured(run: jobs.JobRun, measure: Measure) -> Context:
    """The run's first phase: every fan's score into partial histograms, merged into the run's context, once."""
    stored = job_runs.run(run.job, run.run_id)
    if stored is not None and stored.context is not None:
        return stored.context
    for number in range(run.segments):
        _sweep(run, MEASURE, number, lambda found: {str(measure.score(found, run.started_at)): 1})
    partials = [
        ScoreHistogram.from_counts({int(k): v for k, v in seg.counts.items()})
        for seg in job_runs.segments(run.job, run.run_id, MEASURE)
    ]
    return job_runs.keep_context(run.job, run.run_id, measure.prepare(ScoreHistogram.merge(partials)))


def _sweep(run: jobs.JobRun, phase: str, number: int, each: Callable[[fans.Fan], Counts]) -> bool:
    """Scan one segment from its checkpoint, adding up what `each` returns; True if this call completed it."""
    segment = job_runs.segment(run.job, run.run_id, phase, number)
    if segment.done:
        return False
    while True:
        stored, cursor = fan_scan.page(number, run.segments, segment.cursor, PAGE)
        counts = dict(segment.counts)
        for found in stored:
            counts = jobs.add_counts(counts, each(fan_update.current(found.base.fan_id, found)))
        segment = jobs.Segment(number, cursor, counts)
        if cursor is None:
            return job_runs.complete_segment(run.job, run.run_id, phase, segment, counted=phase == APPLY)
        job_runs.checkpoint(run.job, run.run_id, phase, segment)


def _summary(job_name: str, run_id: str) -> dict[str, int]:
    summary: dict[str, int] = {}
    for segment in job_runs.segments(job_name, run_id, APPLY):
        summary = jobs.add_counts(summary, segment.counts)
    return summary


def _finish_if_complete(started: jobs.JobRun) -> None:
    current = job_runs.run(started.job, started.run_id)
    if current is None or current.finished or current.segments_done < current.segments:
        return
    done = replace(current, status="succeeded", summary=_summary(started.job, started.run_id))
    if job_runs.finish(done, clock.now()):
        count("JobRunsSucceeded", job=started.job)
        logger.info("job run finished", extra={"job": started.job, "run_id": started.run_id, "summary": done.summary})


def run_in_process(started: jobs.JobRun) -> jobs.JobRun:
    """Work every unfinished segment here, in order: the local stack's and the tests' fan-out.

    A run is not bound by the budget of the request that started it; each call keeps its own retries.
    """
    spec = job(started.job)
    with outside_request_budget():
        context = _measured(started, spec.measure) if spec.measure is not None else None
        for number in range(started.segments):
            work(started, number, context)
        _finish_if_complete(started)  # a resumed run whose segments were all done before it stopped
    return run(started.job, started.run_id)


def start_for_operator(name: str, request: IdempotentRequest, render: Render[jobs.JobRun], now: datetime) -> Outcome:
    """An operator's run now: named by their key, worked here, answered 202 and kept under the key."""

    def operation() -> Outcome:
        started = start(name, operator_run_id(request.key), "operator", now)
        done = run_in_process(started)
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
        logger.exception("job run failed", extra={"job": spec.name, "run_id": run_id})
        count("JobRunsFailed")
        recorded = _record_failure(spec.name, run_id, _describe(error))
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
    return _ticked(run_in_process(found))


def _record_failure(name: str, run_id: str, error: str) -> jobs.JobRun | None:
    """Mark the run failed with its error and partial summary, so the run's GET shows it; best effort."""
    try:
        current = job_runs.run(name, run_id)
        if current is None or current.finished:
            return current
        failed = replace(current, status="failed", summary=_summary(name, run_id), error=error)
        job_runs.finish(failed, clock.now())
        return failed
    except Exception:
        logger.exception("could not record the failed run", extra={"job": name, "run_id": run_id})
        return None


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _ticked(found: jobs.JobRun) -> Ticked:
    return Ticked(found.job, found.run_id, found.status, found.summary, found.error)
