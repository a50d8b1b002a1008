"""The backtest loop: a scenario's traffic replayed through the app on a simulated clock, in-process on moto.

Every simulated 5 minutes: the step's actions are sent (the clock set to each one's instant), the
tables' streams are drained through the stream handlers, the risk scan (if the app has one) and the
alert sweep run; every simulated hour the jobs tick runs. What ops would receive is read from an SQS
queue on the alerts topic and matched to the injected incidents (`matching`). Single-threaded, so
moto's transactions and scans may be replaced by their copy-free versions for the run's duration.

Call `run` with the environment configured (`backtest.environment`, or the test suite's conftest).
"""

from __future__ import annotations

import gc
import os
import random
import time as timer
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from backtest import figures, matching
from backtest.actions import BASELINE, Action
from backtest.capture import Inbox
from backtest.incidents import Injector
from backtest.report import DayFigures, Incident, Report, Scenario
from backtest.scenario import ScenarioSpec
from backtest.schedules import Schedules
from backtest.streams import SteadyPump
from backtest.traffic import Traffic
from bench.counting import Tally

STEP = timedelta(minutes=5)
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass
class Measures:
    """How the run went, beside the report: wall time, requests sent, stream records and their DynamoDB cost."""

    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    actions: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    stream_records: int = 0
    stream_requests: int = 0
    scheduled_runs: dict[str, int] = field(default_factory=dict)
    scheduled_requests: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # CPU seconds by part: requests, streams, each schedule
    dynamodb_requests: int = 0
    risk_scan: bool = False
    churned_after_days: float = 0.0
    unreadable_notifications: int = 0

    @property
    def requests_per_stream_record(self) -> float | None:
        return self.stream_requests / self.stream_records if self.stream_records else None


def run(spec: ScenarioSpec, progress: Callable[[str], object] = lambda line: None) -> tuple[Report, Measures]:
    """The report and the run's measures; `progress` is told when each simulated day is done."""
    measures = Measures()
    started, cpu = timer.perf_counter(), timer.process_time()
    with _deployment(spec):
        report = _simulate(
            spec, measures, lambda day: progress(f"{day} done after {timer.perf_counter() - started:.0f} s")
        )
    measures.wall_seconds = round(timer.perf_counter() - started, 1)
    measures.cpu_seconds = round(timer.process_time() - cpu, 1)
    measures.seconds = {part: round(seconds, 1) for part, seconds in measures.seconds.items()}
    return report, measures


def incidents(spec: ScenarioSpec) -> tuple[Incident, ...]:
    return tuple(
        Incident(i.incident_id, i.kind, i.start, i.end, i.size, matching.EXPECTED[i.kind].category)
        for i in spec.incidents
    )


@contextmanager
def _deployment(spec: ScenarioSpec) -> Iterator[None]:
    """The scenario's settings, a fresh moto with tables and topic, copy-free moto; all put back afterwards."""
    from moto import mock_aws
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    from chalicelib.persistence import tables
    from chalicelib.services import caches
    from chalicelib.settings import get_settings
    from tools import (
        attribute_parse,
        call_overheads,
        local_bus,
        moto_expressions,
        moto_query,
        moto_scan,
        moto_serialize,
        moto_transactions,
    )

    environ, saved = os.environ, dict(os.environ)
    transact, scan = DynamoDBBackend.transact_write_items, Table.scan
    os.environ.update({"COMMUNITY_TIME_ZONE": spec.time_zone, **spec.settings})
    get_settings.cache_clear()
    moto_transactions.install()
    moto_scan.install()
    moto_serialize.install()
    attribute_parse.install()
    moto_expressions.install()
    moto_query.install()
    call_overheads.install()
    collection = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)  # a young collection per 50,000 allocations, not 700: moto allocates freely
    try:
        with mock_aws(), warnings.catch_warnings():
            # EMF metrics carry the simulated instant, weeks before the real clock by design
            warnings.filterwarnings("ignore", message="This metric doesn't meet the requirements", category=UserWarning)
            tables.create_all()
            local_bus.create()  # the bus only: outgoing events are accepted and not read
            caches.clear_all()
            yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*collection)
        DynamoDBBackend.transact_write_items = transact  # type: ignore[method-assign]
        Table.scan = scan  # type: ignore[method-assign]
        moto_serialize.uninstall()
        attribute_parse.uninstall()
        moto_expressions.uninstall()
        moto_query.uninstall()
        call_overheads.uninstall()
        os.environ = environ  # noqa: B003  (chalice's test client swaps the mapping per request)
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        caches.clear_all()


def _simulate(spec: ScenarioSpec, measures: Measures, day_done: Callable[[date], object]) -> Report:
    from chalice.test import Client

    import app as application
    from backtest.drive import Sender
    from bench.counting import tallying
    from bench.driver import Clock, Driver, installed
    from chalicelib.settings import get_settings
    from tools.stream_pump import sources

    first, last = spec.period()
    rng = random.Random(spec.seed)
    traffic = Traffic(spec, rng)
    caps = get_settings().engagement_rules.daily_caps
    measures.churned_after_days = get_settings().lifecycle_rules.churned_after / timedelta(days=1)
    injectors = [Injector(i, traffic, caps, random.Random(f"{spec.seed}-{i.incident_id}")) for i in spec.incidents]
    tallies: dict[date, figures.DayTally] = {}
    distributions: dict[date, tuple[dict[str, int], dict[str, int]]] = {}

    with (
        installed(Clock(first.astimezone(UTC))) as clock,
        tallying(b"") as tally,
        Client(application.app, stage_name="local") as client,
    ):
        driver = Driver(client, clock)
        sender = Sender(driver)
        inbox = Inbox()

        def invoke(name: str, event: dict[str, Any]) -> Any:
            return client.lambda_.invoke(name, event).payload

        def stream_invoke(name: str, event: dict[str, Any]) -> Any:
            before = tally.total()
            with _timed(measures, "streams"):
                answer = invoke(name, event)
            measures.stream_records += len(event["Records"])
            measures.stream_requests += tally.total() - before
            return answer

        def scheduled_invoke(name: str, event: dict[str, Any]) -> Any:
            before = tally.total()
            with _timed(measures, name):
                answer = invoke(name, event)
            measures.scheduled_runs[name] = measures.scheduled_runs.get(name, 0) + 1
            measures.scheduled_requests[name] = measures.scheduled_requests.get(name, 0) + tally.total() - before
            return answer

        pump = SteadyPump(stream_invoke, sources(application.app))
        schedules = Schedules(application.app, scheduled_invoke)
        measures.risk_scan = schedules.scan is not None
        for reward in spec.rewards:
            sender.put_reward(reward.reward_id, reward.cost, reward.stock)

        def kept(r: random.Random, action: Action) -> bool:
            return all(injector.kept(r, action) for injector in injectors)

        for index in range(spec.days):
            day_start = first + timedelta(days=index)
            day_end = min(day_start + timedelta(days=1), last)
            actions = traffic.day(index, kept)
            for injector in injectors:
                actions += injector.day(day_start, day_end)
            actions.sort(key=lambda a: a.at)
            tally_of_day = tallies.setdefault(day_start.date(), figures.DayTally())
            position = 0
            drained = -1
            step_end = day_start + STEP
            while step_end <= day_end:
                while position < len(actions) and actions[position].at < step_end:
                    action = actions[position]
                    clock.now = max(action.at.astimezone(UTC), clock.now)
                    with _timed(measures, "requests"):
                        status = sender.send(action)
                    if status < 300:
                        tally_of_day.accepted[action.kind] += 1
                        if action.fan and action.source == BASELINE:
                            tally_of_day.fans.add(action.fan)
                    position += 1
                clock.now = step_end.astimezone(UTC)
                drained = _drain_if_written(pump, tally, drained)
                if step_end.minute == 0:
                    schedules.hourly(step_end)
                    drained = _drain_if_written(pump, tally, drained)
                schedules.every_five_minutes(step_end)
                inbox.read(step_end)
                step_end += STEP
            measures.actions += len(actions)
            distributions[day_start.date()] = figures.segments(driver)
            gc.freeze()  # the day's survivors (moto's tables, mostly) are not walked by every later collection
            day_done(day_start.date())
        kpis = figures.app_kpis(driver, spec.start, spec.start + timedelta(days=spec.days - 1))

    measures.statuses = {f"{kind} {status}": n for (kind, status), n in sorted(sender.statuses.items())}
    measures.dynamodb_requests = tally.total()
    measures.unreadable_notifications = len(inbox.unreadable)
    return _report(spec, inbox, figures.days(tallies, distributions, kpis))


@contextmanager
def _timed(measures: Measures, part: str) -> Iterator[None]:
    started = timer.process_time()
    try:
        yield
    finally:
        measures.seconds[part] = measures.seconds.get(part, 0.0) + timer.process_time() - started


def _drain_if_written(pump: SteadyPump, tally: Tally, drained: int) -> int:
    """Drain the streams if anything was written since the last drain (a quiet night step costs no moto call)."""
    written = sum(n for (operation, _), n in tally.counts.items() if operation in WRITES)
    if written != drained:
        pump.drain()
    return written


def _report(spec: ScenarioSpec, inbox: Inbox, days: tuple[DayFigures, ...]) -> Report:
    injected = incidents(spec)
    received = tuple(inbox.received)
    return Report(
        scenario=Scenario(spec.name, spec.seed, spec.start, spec.days, spec.time_zone, spec.fans),
        days=days,
        incidents=injected,
        notifications=received,
        outcomes=tuple(matching.outcome(i, received) for i in injected),
        false_alerts=matching.false_alerts(injected, received, spec.start, spec.days, spec.zone),
    )
