"""Job runs, their lock and their segments' checkpoints (docs/jobs.md, "The shape of a run")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactGet

from chalicelib.domain.jobs import JobRun, Segment
from chalicelib.domain.settlement import StoredFan
from chalicelib.persistence import codec, items, reads
from chalicelib.persistence.connection import transaction_connection
from chalicelib.persistence.models import FanModel, JobRunModel
from chalicelib.persistence.transaction import Cancelled, Transaction, with_retries

LOCK = "lock"
LATEST = "latest"  # a copy of the newest succeeded run, for readers such as GET /v1/admin/segments


class JobRunning(Exception):
    """Another run of the job holds its lock; `run_id` is that run."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


class RunExists(Exception):
    """A run with this id was started before (a duplicated delivery, or a restart): `run` is it."""

    def __init__(self, run: JobRun) -> None:
        super().__init__(run.run_id)
        self.run = run


def _run_item(run_id: str) -> str:
    return f"run#{run_id}"


def _segment_item(run_id: str, phase: str, number: int) -> str:
    return f"seg#{run_id}#{phase}#{number:04d}"


def _run_from(item: JobRunModel) -> JobRun:
    return JobRun(
        job=item.job,
        run_id=item.run_id,
        status=item.status,  # type: ignore[arg-type]
        started_at=item.started_at,
        segments=int(item.segments or 0),
        trigger=item.trigger,  # type: ignore[arg-type]
        segments_done=int(item.segments_done or 0),
        finished_at=item.finished_at,
        summary=_ints(item.summary),
        error=item.error,
        context=json.loads(item.context) if item.context else None,
        params=json.loads(item.params) if item.params else {},
    )


def _ints(attr: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in (attr.as_dict() if attr is not None else {}).items()}


def start(run: JobRun, lease: timedelta) -> None:
    """Take the job's lock and write the run, together; raise RunExists or JobRunning instead."""
    now = run.started_at
    tx = Transaction()
    tx.put(items.JOB_LOCK, _lock(run.job, run.run_id, now, lease), _free_lock(now))
    record = JobRunModel(
        run.job,
        _run_item(run.run_id),
        run_id=run.run_id,
        status=run.status,
        trigger=run.trigger,
        started_at=now,
        segments=run.segments,
        segments_done=0,
        params=json.dumps(run.params, sort_keys=True) if run.params else None,
    )
    tx.put(items.JOB_RUN, record, JobRunModel.item.does_not_exist())
    try:
        tx.commit()
    except Cancelled as cancelled:
        if cancelled.failed(items.JOB_RUN):
            raise RunExists(_run_from(JobRunModel.from_raw_data(cancelled.old_item(items.JOB_RUN) or {}))) from None
        if cancelled.failed(items.JOB_LOCK):
            held = JobRunModel.from_raw_data(cancelled.old_item(items.JOB_LOCK) or {})
            raise JobRunning(held.run_id) from None
        raise


def _free_lock(now: datetime) -> Condition:
    free: Condition = JobRunModel.item.does_not_exist() | (JobRunModel.lease_until < int(now.timestamp()))
    return free


def _lock(job: str, run_id: str, now: datetime, lease: timedelta) -> JobRunModel:
    return JobRunModel(job, LOCK, run_id=run_id, lease_until=int((now + lease).timestamp()))


def reclaim(run: JobRun, now: datetime, lease: timedelta) -> bool:
    """Take the lock again for a run found `failed` (a retry) or `running` past its lease (a crashed worker).

    Together with the lock, the run goes back to `running` without its last outcome, conditioned on
    still being as it was read; False if the lock is held (someone works a run) or the run changed.
    """
    tx = Transaction()
    tx.put(items.JOB_LOCK, _lock(run.job, run.run_id, now, lease), _free_lock(now))
    tx.update(
        items.JOB_RUN,
        JobRunModel(run.job, _run_item(run.run_id)),
        [JobRunModel.status.set("running"), JobRunModel.finished_at.remove(), JobRunModel.error.remove()],
        JobRunModel.status == run.status,
    )
    return _committed(tx, items.JOB_LOCK, items.JOB_RUN)


def _committed(tx: Transaction, *expected: str) -> bool:
    """Commit; False when one of the `expected` conditions failed (the state already moved on)."""
    try:
        tx.commit()
    except Cancelled as cancelled:
        if any(cancelled.failed(name) for name in expected):
            return False
        raise
    return True


def run(job: str, run_id: str) -> JobRun | None:
    def read() -> JobRun | None:
        try:
            return _run_from(JobRunModel.get(job, _run_item(run_id), consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def latest(job: str) -> JobRun | None:
    """The newest succeeded run of the job, with its summary and context."""

    def read() -> JobRun | None:
        try:
            return _run_from(JobRunModel.get(job, LATEST, consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


def segment(job: str, run_id: str, phase: str, number: int) -> Segment:
    def read() -> Segment:
        try:
            item = JobRunModel.get(job, _segment_item(run_id, phase, number), consistent_read=True)
        except DoesNotExist:
            return Segment(number)
        return Segment(number, item.cursor, _ints(item.counts), bool(item.done))

    return with_retries(read)


Claim = Literal["claimed", "held", "done"]


def _open() -> Condition:
    """Not yet done (a segment item exists from its first claim, before its first checkpoint)."""
    never_done: Condition = JobRunModel.done.does_not_exist() | (JobRunModel.done == False)  # noqa: E712
    return never_done


def _owned_by(owner: str) -> Condition:
    held: Condition = (JobRunModel.owner == owner) & _open()
    return held


def claim(job: str, run_id: str, phase: str, number: int, owner: str, lease_until: datetime, now: datetime) -> Claim:
    """Hold the segment for `owner` until `lease_until`: `held` if a live worker has it, `done` if it is finished.

    Every later write of the segment is conditioned on the holder, so two workers never sweep it at once.
    """
    free = JobRunModel.owner.does_not_exist() | (JobRunModel.lease_until < int(now.timestamp()))
    tx = Transaction()
    tx.update(
        items.JOB_SEGMENT,
        JobRunModel(job, _segment_item(run_id, phase, number)),
        [
            JobRunModel.run_id.set(run_id),
            JobRunModel.owner.set(owner),
            JobRunModel.lease_until.set(int(lease_until.timestamp())),
        ],
        _open() & free,
    )
    try:
        tx.commit()
    except Cancelled as cancelled:
        if not cancelled.failed(items.JOB_SEGMENT):
            raise
        found = JobRunModel.from_raw_data(cancelled.old_item(items.JOB_SEGMENT) or {})
        return "done" if found.done else "held"
    return "claimed"


def release(job: str, run_id: str, phase: str, number: int, owner: str) -> None:
    """Let the segment go (a worker stopping early or failing), if `owner` still holds it."""
    tx = Transaction()
    tx.update(
        items.JOB_SEGMENT,
        JobRunModel(job, _segment_item(run_id, phase, number)),
        [JobRunModel.owner.remove(), JobRunModel.lease_until.remove()],
        _owned_by(owner),
    )
    _committed(tx, items.JOB_SEGMENT)


def checkpoint(job: str, run_id: str, phase: str, seg: Segment, owner: str, lease_until: datetime) -> bool:
    """Where the holder's scan stopped and what it counted so far, with its lease renewed; False if not its own."""
    item = JobRunModel(
        job,
        _segment_item(run_id, phase, seg.number),
        run_id=run_id,
        cursor=seg.cursor,
        counts=seg.counts,
        done=False,
        owner=owner,
        lease_until=int(lease_until.timestamp()),
    )
    tx = Transaction()
    tx.put(items.JOB_SEGMENT, item, _owned_by(owner))
    return _committed(tx, items.JOB_SEGMENT)


def complete_segment(job: str, run_id: str, phase: str, seg: Segment, owner: str, counted: bool) -> bool:
    """Mark the holder's segment done (and, when `counted`, count it on the running run), once.

    False if it was not `owner`'s to complete, or the run is no longer running: nothing is written.
    """
    tx = Transaction()
    item = JobRunModel(job, _segment_item(run_id, phase, seg.number), run_id=run_id, counts=seg.counts, done=True)
    tx.put(items.JOB_SEGMENT, item, _owned_by(owner))
    if counted:
        tx.update(
            items.JOB_RUN,
            JobRunModel(job, _run_item(run_id)),
            [JobRunModel.segments_done.add(1)],
            JobRunModel.status == "running",
        )
    return _committed(tx, items.JOB_SEGMENT, items.JOB_RUN)


def segments(job: str, run_id: str, phase: str) -> list[Segment]:
    def read() -> list[Segment]:
        query = JobRunModel.query(job, JobRunModel.item.startswith(f"seg#{run_id}#{phase}#"), consistent_read=True)
        return [Segment(int(i.item.rsplit("#", 1)[1]), i.cursor, _ints(i.counts), bool(i.done)) for i in query]

    return with_retries(read)


def keep_context(job: str, run_id: str, context: dict[str, Any]) -> dict[str, Any]:
    """The run's context (what its first phase measured), set once: a rerun gets the one stored first."""
    tx = Transaction()
    tx.update(
        items.JOB_RUN,
        JobRunModel(job, _run_item(run_id)),
        [JobRunModel.context.set(json.dumps(context, sort_keys=True))],
        JobRunModel.context.does_not_exist(),
    )
    try:
        tx.commit()
    except Cancelled as cancelled:
        if not cancelled.failed(items.JOB_RUN):
            raise
        stored = run(job, run_id)
        if stored is None or stored.context is None:
            raise
        return stored.context
    return context


def finish(run: JobRun, now: datetime, latest: bool = True) -> bool:
    """Record the outcome, once (False if the run was already finished), then release the lock if still ours.

    A succeeded run also becomes the job's `latest` unless a run started later already is.
    """
    tx = Transaction()
    tx.update(
        items.JOB_RUN,
        JobRunModel(run.job, _run_item(run.run_id)),
        [
            JobRunModel.status.set(run.status),
            JobRunModel.finished_at.set(now),
            JobRunModel.summary.set(run.summary),
            *([JobRunModel.error.set(run.error)] if run.error else []),
        ],
        JobRunModel.status == "running",
    )
    if run.status == "succeeded" and latest:
        pointer = JobRunModel(
            run.job,
            LATEST,
            run_id=run.run_id,
            status=run.status,
            trigger=run.trigger,
            started_at=run.started_at,
            finished_at=now,
            segments=run.segments,
            segments_done=run.segments_done,
            summary=run.summary,
            context=json.dumps(run.context, sort_keys=True) if run.context is not None else None,
        )
        newer = JobRunModel.item.does_not_exist() | (JobRunModel.started_at <= run.started_at)
        tx.put(items.JOB_LATEST, pointer, newer)
    try:
        tx.commit()
    except Cancelled as cancelled:
        if cancelled.failed(items.JOB_RUN):
            return False
        if cancelled.failed(items.JOB_LATEST):  # a newer run finished first: record this one without the pointer
            return finish(run, now, latest=False)
        raise
    release = Transaction()
    release.delete(items.JOB_LOCK, JobRunModel(run.job, LOCK), JobRunModel.run_id == run.run_id)
    try:
        release.commit()
    except Cancelled as cancelled:
        if not cancelled.failed(items.JOB_LOCK):  # a run that outlived its lease: the lock is another's now
            raise
    return True


def latest_with_fan(job: str, fan_id: str) -> tuple[JobRun | None, StoredFan | None]:
    """The job's newest succeeded run and a fan in one consistent request (TransactGetItems), so a
    profile's cut-offs ride along with the fan's own read instead of costing a second request."""

    def read() -> tuple[JobRun | None, StoredFan | None]:
        with TransactGet(connection=transaction_connection()) as tx:
            run_future = tx.get(JobRunModel, job, LATEST)
            fan_future = tx.get(FanModel, fan_id)
        return reads.resolve(run_future, _run_from), reads.resolve(fan_future, codec.fan_from_item)

    return with_retries(read)
