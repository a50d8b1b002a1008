"""What a scheduled job is to the runner: a per-fan decision made at the run's instant, after an optional measure.

A job may first measure every fan into counts that add up across scan segments (a score histogram, a
KPI population tally): each segment checkpoints its sums, so a worker's memory is the number of
distinct names, never of fans. `prepare` turns the merged counts into the run's context (e.g. the tier
cut-offs), which every decision then reads. A job with no `decide` is a measure alone: the run ends
once `prepare` has kept its context, without a second pass over the fans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import fan as fans
from chalicelib.domain.jobs import APPLY, MEASURE, JobRun, Phase
from chalicelib.services import fan_update

Counts = dict[str, int]
Context = Mapping[str, Any]
Decide = Callable[[fans.Fan, datetime, Context | None], fan_update.Decision[Counts]]


@dataclass(frozen=True)
class Measure:
    """`tally`: one fan's additive counts; `prepare`: the run's context from the counts summed over every fan."""

    tally: Callable[[fans.Fan, JobRun], Counts]
    prepare: Callable[[Counts, JobRun], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """`decide` returns the change to write (if any) and the counts it adds to the run's summary.

    `hour` is the community-local hour from which a day's scheduled run is due (docs/jobs.md, "Schedules").
    How many segments a run is split into is the deployment's (`Settings.job_segments`), not the job's.
    """

    name: str
    decide: Decide | None
    hour: int
    measure: Measure | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            raise ValueError(f"job {self.name}: hour {self.hour} is not 0-23")
        if self.decide is None and self.measure is None:
            raise ValueError(f"job {self.name}: a job measures, decides, or both")

    @property
    def last_phase(self) -> Phase:
        """The phase whose segments finish the run and make its summary."""
        return MEASURE if self.decide is None else APPLY
