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
from dataclasses import replace
from datetime import datetime, timedelta

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
    spec = job(name)
    run = jobs.JobRun(spec.name, run_id, "running", now, spec.segments, trigger)
    try:
        job_runs.start(run, LEASE)
    except job_runs.RunExists as existing:
        return existing.run
    except job_runs.JobRunning as busy:
        raise JobRunning(f"Run {busy.run_id} of {name} is in progress.", run_id=busy.run_id) from None
    logger.info("job run started", extra={"job": name, "run_id": run_id, "trigger": trigger})
    return run


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


def _finish_if_complete(started: jobs.JobRun) -> None:
    current = job_runs.run(started.job, started.run_id)
    if current is None or current.finished or current.segments_done < current.segments:
        return
    summary: dict[str, int] = {}
    for segment in job_runs.segments(started.job, started.run_id, APPLY):
        summary = jobs.add_counts(summary, segment.counts)
    done = replace(current, status="succeeded", summary=summary)
    if job_runs.finish(done, clock.now()):
        count("JobRunsSucceeded", job=started.job)
        logger.info("job run finished", extra={"job": started.job, "run_id": started.run_id, "summary": summary})


def run_in_process(started: jobs.JobRun) -> jobs.JobRun:
    """Work every unfinished segment here, in order: the local stack's and the tests' fan-out.

    A run is not bound by the budget of the request that started it; each call keeps its own retries.
    """
    spec = job(started.job)
    with outside_request_budget():
        context = _measured(started, spec.measure) if spec.measure is not None else None
        for number in range(started.segments):
            work(started, number, context)
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
