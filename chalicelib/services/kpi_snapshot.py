"""The daily `kpi-snapshot` job and the stored snapshots (docs/kpis.md, "The snapshot job").

A measure-only job: every scan segment tallies its fans' `Population` for the day (a flat, additive
count per name, so a worker holds a few dozen integers, never fans), and the run's `prepare` adds
the partials, reads the day's flows from the stream counters, and writes the snapshot and its
metrics. Nothing is written to fans, so there is no apply pass. The day is the community day before
the run started, or the one the operator asked for; a rerun writes the same item again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import clock
from chalicelib.domain import days
from chalicelib.domain import fan as fans
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.kpis import counting
from chalicelib.domain.kpis.population import FanFacts, Population, tally
from chalicelib.domain.kpis.snapshot import figures, snapshot
from chalicelib.observability import gauges, logger
from chalicelib.persistence import counters, kpi_snapshots
from chalicelib.services.job_spec import Counts, Job, Measure
from chalicelib.settings import get_settings

NAME = "kpi-snapshot"
METRICS_KEPT = timedelta(days=14)  # CloudWatch refuses metric data older than two weeks


def day_of(run: JobRun) -> date:
    """The operator's `day`, else the community day before the run started (a scheduled run's day is over)."""
    asked = run.params.get("day")
    if asked is not None:
        return date.fromisoformat(asked)
    return days.local_day(run.started_at, get_settings().community_time_zone) - timedelta(days=1)


def fan_counts(fan: fans.Fan, run: JobRun) -> Counts:
    return tally([FanFacts.of(fan)], day_of(run), get_settings().community_time_zone).to_counts()


def write(counts: Counts, run: JobRun) -> dict[str, Any]:
    """The day's snapshot from the population tallied over every fan and the day's counters; stored and emitted."""
    day = day_of(run)
    flows = counting.day_flows(counters.totals(counting.day_bucket(day)))
    item = snapshot(day, flows, Population.from_counts(counts))
    kpi_snapshots.put(day, item.to_dict())
    _emit(item.day, *figures(item))
    logger.info("kpi snapshot written", extra={"day": day.isoformat(), "run_id": run.run_id, "dau": item.dau})
    return {"day": day.isoformat()}


def between(first: date, last: date) -> list[dict[str, Any]]:
    return kpi_snapshots.between(first, last)


def _emit(day: date, counted: dict[str, int], ratios: dict[str, float]) -> None:
    """Each KPI as a metric stamped at the day's local noon, so a daily period holds one value per day."""
    zone = days.zone(get_settings().community_time_zone)
    at = datetime.combine(day, time(12), zone)
    if clock.now() - at > METRICS_KEPT:
        logger.info("kpi metrics not emitted: the day is too old for CloudWatch", extra={"day": day.isoformat()})
        return
    values = {name: (float(n), MetricUnit.Count) for name, n in counted.items()}
    values.update({name: (value, MetricUnit.NoUnit) for name, value in ratios.items()})
    gauges(values, at)


JOB = Job(NAME, None, hour=2, measure=Measure(fan_counts, write))  # daily from 02:00, after the lifecycle run
