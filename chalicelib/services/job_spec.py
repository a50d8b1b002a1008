"""What a scheduled job is to the runner: a per-fan decision made at the run's instant.

A job may first measure every fan (an integer each, e.g. the engagement score) into a
histogram; `prepare` turns the merged histogram into the run's context (e.g. the tier cut-offs),
which every decision then reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import fan as fans
from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.services import fan_update

Counts = dict[str, int]
Context = Mapping[str, Any]
Decide = Callable[[fans.Fan, datetime, Context | None], fan_update.Decision[Counts]]


@dataclass(frozen=True)
class Measure:
    score: Callable[[fans.Fan, datetime], int]
    prepare: Callable[[ScoreHistogram], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """`decide` returns the change to write (if any) and the counts it adds to the run's summary.

    `hour` is the community-local hour from which a day's scheduled run is due (docs/jobs.md, "Schedules").
    How many segments a run is split into is the deployment's (`Settings.job_segments`), not the job's.
    """

    name: str
    decide: Decide
    hour: int
    measure: Measure | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            raise ValueError(f"job {self.name}: hour {self.hour} is not 0-23")
