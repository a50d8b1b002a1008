"""Small backtest reports built in code, for the report and renderer tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from backtest.report import DayFigures, FalseAlerts, Incident, IncidentOutcome, Notification, Report, Scenario

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "backtest_report.json"
ZONE = ZoneInfo("Asia/Shanghai")
START = date(2026, 3, 2)


def scenario(days: int = 3, name: str = "unit") -> Scenario:
    return Scenario(name=name, seed=1, start=START, days=days, time_zone="Asia/Shanghai", fans=100)


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant on the scenario's `day` (0 = START), in its zone."""
    return datetime(START.year, START.month, START.day, hour, minute, tzinfo=ZONE) + timedelta(days=day)


def days(*kpis: dict[str, float | None]) -> tuple[DayFigures, ...]:
    return tuple(DayFigures(START + timedelta(days=i), values) for i, values in enumerate(kpis))


def report(days_count: int = 3, **fields: object) -> Report:
    """A report with one incident, its alert's notifications and a false alert; `fields` replace parts."""
    incident = Incident("inc-1", "checkin_ring", local(1, 9), local(1, 15), 12, "user")
    key = "user:checkin_rings:cluster#1"
    notifications = (
        Notification(key, "checkin_rings", "user", "warning", "raised", local(1, 9, 30)),
        Notification(key, "checkin_rings", "user", "activate", "escalated", local(1, 10)),
        Notification(key, "checkin_rings", "user", "activate", "resolved", local(1, 16)),
        Notification("operations:kpi_drop:dau", "kpi_drop", "operations", "warning", "raised", local(2, 1)),
    )
    base = Report(
        scenario=scenario(days_count),
        days=tuple(
            DayFigures(
                START + timedelta(days=i),
                {"dau": 10.0 * (i + 1), "stickiness": 0.25},
                {"head": 1, "active": 2, "potential": 3, "silent": 4},
                {"awareness": 5, "churned": 5},
            )
            for i in range(days_count)
        ),
        incidents=(incident,),
        notifications=notifications,
        outcomes=(IncidentOutcome("inc-1", True, "activate", 30.0),),
        false_alerts=(FalseAlerts(START, 1, ("operations:kpi_drop:dau",)),),
    )
    return replace(base, **fields)
