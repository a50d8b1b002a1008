"""Scheduled jobs as data: their names, a run's state, and how a run's id and summary are made.

A run is split into segments of the fans table (a parallel scan), each processed on its own and
checkpointed, so that a crashed run resumes and a duplicated start joins the run already there
(docs/jobs.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal, get_args

from chalicelib.domain import days

RunStatus = Literal["running", "succeeded", "failed"]
Trigger = Literal["schedule", "operator"]
Phase = Literal["measure", "apply"]
MEASURE: Phase = "measure"
APPLY: Phase = "apply"


@dataclass(frozen=True)
class JobRun:
    job: str
    run_id: str
    status: RunStatus
    started_at: datetime
    segments: int
    trigger: Trigger
    segments_done: int = 0
    finished_at: datetime | None = None
    summary: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    context: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    """What the starter asked of this run beyond the job's defaults (kpi-snapshot: the operator's `day`)."""

    @property
    def finished(self) -> bool:
        return self.status != "running"


@dataclass(frozen=True)
class Segment:
    """One worker's share of a run: where its scan stopped, what it counted, whether it is done."""

    number: int
    cursor: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    done: bool = False


class MalformedTask(ValueError):
    """A segment message that no run could have sent: never retried into success, so it ends in the DLQ."""


@dataclass(frozen=True)
class SegmentTask:
    """One unit of a run's fan-out: work `segment` of the run's `phase` from its checkpoint.

    Receiving one twice is harmless: a segment held by a live worker, or done, is left alone.
    """

    job: str
    run_id: str
    phase: Phase
    segment: int

    def message(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def parse(cls, body: str) -> SegmentTask:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise MalformedTask(f"not JSON: {body[:100]!r}") from exc
        if not isinstance(data, dict) or set(data) != {"job", "run_id", "phase", "segment"}:
            raise MalformedTask(f"expected job, run_id, phase and segment: {body[:100]!r}")
        job, run_id, phase, segment = data["job"], data["run_id"], data["phase"], data["segment"]
        if not (isinstance(job, str) and isinstance(run_id, str) and phase in get_args(Phase)):
            raise MalformedTask(f"bad job, run_id or phase: {body[:100]!r}")
        if type(segment) is not int or segment < 0:
            raise MalformedTask(f"segment must be a non-negative integer: {body[:100]!r}")
        return cls(job, run_id, phase, segment)


def scheduled_run_id(day: date) -> str:
    """A scheduled run is named by the community day it is for, so a duplicated delivery finds it."""
    return day.isoformat()


def due_day(instant: datetime, zone_name: str, hour: int) -> date | None:
    """The community day whose scheduled run is due at `instant`, or None before `hour` o'clock local time.

    Judged on the wall clock: on a spring-forward day an hour that does not exist is passed at the
    first instant after the gap; on a fall-back day the repeated hour is passed at its first occurrence.
    """
    local = instant.astimezone(days.zone(zone_name))
    return local.date() if local.time() >= time(hour) else None


def operator_run_id(token: str) -> str:
    return f"manual-{token}"


def add_counts(total: Mapping[str, int], more: Mapping[str, int]) -> dict[str, int]:
    merged = dict(total)
    for name, value in more.items():
        merged[name] = merged.get(name, 0) + value
    return merged
