"""One segment of a job run, worked by whoever receives it: an SQS-triggered Lambda deployed, a loop in-process locally.

A worker claims its segment for no longer than it can live, sweeps it from the checkpoint a page
at a time, and then either completes it, or, when its time runs low, lets it go and hands a
continuation on. Any message may come twice, late, or for a segment a crashed worker left: one
held by a live worker or already done is left alone, every write of a segment is conditioned on
its holder, and the per-fan decisions are idempotent, so counts never double and no fan changes
twice (docs/jobs.md, "The shape of a run").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from chalicelib import clock
from chalicelib.domain import fan as fans
from chalicelib.domain import jobs
from chalicelib.domain.jobs import APPLY, MEASURE, JobRun, MalformedTask, Phase, SegmentTask
from chalicelib.observability import count, logger
from chalicelib.persistence import fan_scan, job_runs
from chalicelib.services import fan_update
from chalicelib.services.job_spec import Context, Counts, Job

PAGE = 100
CHECKPOINT = 5.0  # seconds of sweeping between checkpoints: a measure checkpoint carries its counts (tens of KiB)
RESERVE = 30.0  # seconds: a worker with less time left stops after its page (a page with retried writes fits)
LEASE = timedelta(minutes=30)  # a claim's longest life, renewed by every checkpoint (an unbounded in-process worker)
SKEW = timedelta(seconds=10)  # a claim outlives its holder's deadline by this much, for clocks that disagree

Dispatch = Callable[[Sequence[SegmentTask]], None]
TimeLeft = Callable[[], float]  # seconds the worker may still run
Swept = Literal["completed", "paused", "lost"]


def pending(spec: Job, run: JobRun) -> list[SegmentTask]:
    """What a (re)started run needs worked next: its unfinished segments of the phase it is in."""
    if run.finished:
        return []
    if spec.measure is not None and (run.context is None or spec.decide is None):
        measured = _done(run, MEASURE)
        if len(measured) < run.segments:
            return _tasks(run, MEASURE, measured)
        if spec.decide is None:  # all measured, not finished: a done segment's message repeats the join
            return _tasks(run, MEASURE, set(range(1, run.segments)))
    return _tasks(run, APPLY, _done(run, APPLY))


def work(spec: Job, task: SegmentTask, dispatch: Dispatch, time_left: TimeLeft) -> None:
    """Work one message: sweep its segment if this worker can hold it; hand on what comes next through `dispatch`."""
    run = job_runs.run(task.job, task.run_id)
    if run is None or task.segment >= run.segments:
        raise MalformedTask(f"no segment {task.segment} of a run {task.run_id} of {task.job}")
    where = {"job": task.job, "run_id": task.run_id, "phase": task.phase, "segment": task.segment}
    if run.finished:
        logger.info("job segment skipped: its run is finished", extra={**where, "status": run.status})
        return
    owner = uuid.uuid4().hex
    claimed = job_runs.claim(task.job, task.run_id, task.phase, task.segment, owner, _lease(time_left), clock.now())
    if claimed == "held":
        logger.info("job segment skipped: another worker holds it", extra=where)
        return
    if claimed == "done":
        _after(spec, run, task.phase, dispatch)
        return
    try:
        swept = _sweep(spec, run, task, owner, time_left)
    except Exception:
        job_runs.release(task.job, task.run_id, task.phase, task.segment, owner)
        raise
    if swept == "completed":
        _after(spec, run, task.phase, dispatch)
        return
    job_runs.release(task.job, task.run_id, task.phase, task.segment, owner)
    if swept == "paused":  # released first: the continuation must find the segment free
        logger.info("job segment paused: continued by a new message", extra=where)
        dispatch([task])
    else:
        logger.warning("job segment lost: taken over, or its run stopped", extra=where)


def finish_if_complete(spec: Job, run: JobRun) -> None:
    """Finish the run once every segment of its last phase is done: exactly once, whoever calls."""
    current = job_runs.run(run.job, run.run_id)
    if current is None or current.finished or current.segments_done < current.segments:
        return
    if spec.decide is None and current.context is None:
        return  # a measure-only run ends with its context kept (`_after`)
    done = replace(current, status="succeeded", summary=summary(spec, run.run_id))
    if job_runs.finish(done, clock.now()):
        count("JobRunsSucceeded", job=run.job)
        logger.info("job run finished", extra={"job": run.job, "run_id": run.run_id, "summary": done.summary})


def summary(spec: Job, run_id: str) -> dict[str, int]:
    """The sum of the last phase's segment counts (a measure-only run: its tally)."""
    total: dict[str, int] = {}
    for segment in job_runs.segments(spec.name, run_id, spec.last_phase):
        total = jobs.add_counts(total, segment.counts)
    return total


def _sweep(spec: Job, run: JobRun, task: SegmentTask, owner: str, time_left: TimeLeft) -> Swept:
    """Scan the held segment from its checkpoint, page by page, adding up what each fan gives.

    The checkpoint (cursor and counts together) is written every CHECKPOINT seconds and before
    stopping: a worker killed in between is resumed from it, and decides the pages since again
    (idempotent: a fan it already changed is left as it is, and counted as unchanged).
    """
    each = _measuring(spec, run) if task.phase == MEASURE else _applying(spec, run)
    segment = job_runs.segment(run.job, run.run_id, task.phase, task.segment)
    saved = time.monotonic()
    while True:
        stored, cursor = fan_scan.page(task.segment, run.segments, segment.cursor, PAGE)
        counts = dict(segment.counts)
        for found in stored:
            counts = jobs.add_counts(counts, each(fan_update.current(found.base.fan_id, found)))
        segment = jobs.Segment(task.segment, cursor, counts)
        if cursor is None:
            counted = task.phase == spec.last_phase
            completed = job_runs.complete_segment(run.job, run.run_id, task.phase, segment, owner, counted)
            return "completed" if completed else "lost"
        stopping = time_left() < RESERVE
        if stopping or time.monotonic() - saved >= CHECKPOINT:
            if not job_runs.checkpoint(run.job, run.run_id, task.phase, segment, owner, _lease(time_left)):
                return "lost"
            saved = time.monotonic()
        if stopping:
            return "paused"


def _measuring(spec: Job, run: JobRun) -> Callable[[fans.Fan], Counts]:
    measure = spec.measure
    if measure is None:
        raise MalformedTask(f"{spec.name} has no measure phase")
    return lambda found: measure.tally(found, run)


def _applying(spec: Job, run: JobRun) -> Callable[[fans.Fan], Counts]:
    decide = spec.decide
    if decide is None:
        raise MalformedTask(f"{spec.name} has no apply phase")
    context = _context(spec, run)

    def apply(found: fans.Fan) -> Counts:
        added = fan_update.update(
            found.fan_id, lambda f: decide(f, run.started_at, context), known=found, known_fresh=True
        )
        return {"fans": 1, **added}

    return apply


def _after(spec: Job, run: JobRun, phase: Phase, dispatch: Dispatch) -> None:
    """A segment is done: the last of the last phase finishes the run; the last measured starts the apply phase.

    A measure-only run keeps its context (prepared from the merged counts), then finishes. The apply
    segments are handed on before the merged counts are kept: a worker that dies between the two
    leaves the context unset, so the redelivered message hands them on again (duplicates are
    harmless), and the apply workers merge it themselves if it is still unset.
    """
    if phase == APPLY:
        finish_if_complete(spec, run)
        return
    measured = job_runs.segments(run.job, run.run_id, MEASURE)
    if sum(1 for s in measured if s.done) < run.segments:
        return
    current = job_runs.run(run.job, run.run_id)
    if current is None or current.finished:
        return
    if spec.decide is None:
        if current.context is None:
            _context(spec, current, measured)
        finish_if_complete(spec, current)
        return
    if current.context is not None:
        return  # the apply phase was handed on already
    dispatch(_tasks(current, APPLY, _done(current, APPLY)))
    _context(spec, current, measured)


def _context(spec: Job, run: JobRun, measured: list[jobs.Segment] | None = None) -> Context | None:
    """The run's context: kept by the first to merge the measured counts (conditional), read by the rest."""
    if spec.measure is None:
        return None
    if run.context is not None:
        return run.context
    partials = [s for s in measured or job_runs.segments(run.job, run.run_id, MEASURE) if s.done]
    if len(partials) < run.segments:
        raise MalformedTask(f"run {run.run_id} of {run.job}: apply before every segment was measured")
    merged: Counts = {}
    for partial in partials:
        merged = jobs.add_counts(merged, partial.counts)
    return job_runs.keep_context(run.job, run.run_id, spec.measure.prepare(merged, run))


def _done(run: JobRun, phase: Phase) -> set[int]:
    return {s.number for s in job_runs.segments(run.job, run.run_id, phase) if s.done}


def _tasks(run: JobRun, phase: Phase, done: set[int]) -> list[SegmentTask]:
    return [SegmentTask(run.job, run.run_id, phase, n) for n in range(run.segments) if n not in done]


def _lease(time_left: TimeLeft) -> datetime:
    """A claim lasts as long as its holder can: a killed worker's segment is free before its message returns."""
    return clock.now() + timedelta(seconds=min(time_left(), LEASE.total_seconds())) + SKEW
