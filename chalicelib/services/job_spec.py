"""What a scheduled job is to the runner: a per-fan decision made at the run's instant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.services import fan_update

Counts = dict[str, int]
Decide = Callable[[fans.Fan, datetime], fan_update.Decision[Counts]]


@dataclass(frozen=True)
class Job:
    """`decide` returns the change to write (if any) and the counts it adds to the run's summary.

    `hour` is the community-local hour from which a day's scheduled run is due (docs/jobs.md, "Schedules").
    """

    name: str
    segments: int
    decide: Decide
    hour: int

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            raise ValueError(f"job {self.name}: hour {self.hour} is not 0-23")
