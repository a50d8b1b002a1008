"""The report's JSON file: what `make simulate` writes and `python -m backtest.html` reads back.

`format` versions the file; `notifications_per_key` is written for readers of the JSON but derived, never read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backtest.fields import Fields, ReportError
from backtest.report import (
    KINDS,
    LEVELS,
    DayFigures,
    FalseAlerts,
    Incident,
    IncidentOutcome,
    Level,
    Notification,
    NotificationKind,
    Report,
    Scenario,
)

FORMAT = 1


def to_json(report: Report) -> str:
    return json.dumps(_encode(report), indent=2, ensure_ascii=False) + "\n"


def from_json(text: str) -> Report:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(f"not JSON: {error}") from error
    return _decode(Fields(data, ""))


def read(path: Path) -> Report:
    return from_json(path.read_text(encoding="utf-8"))


def _encode(report: Report) -> dict[str, Any]:
    scenario = report.scenario
    return {
        "format": FORMAT,
        "scenario": {
            "name": scenario.name,
            "seed": scenario.seed,
            "start": scenario.start.isoformat(),
            "days": scenario.days,
            "time_zone": scenario.time_zone,
            "fans": scenario.fans,
        },
        "days": [
            {"day": d.day.isoformat(), "kpis": dict(d.kpis), "tiers": dict(d.tiers), "stages": dict(d.stages)}
            for d in report.days
        ],
        "incidents": [
            {
                "incident_id": i.incident_id,
                "kind": i.kind,
                "start": i.start.isoformat(),
                "end": i.end.isoformat(),
                "size": i.size,
                "expected_category": i.expected_category,
            }
            for i in report.incidents
        ],
        "notifications": [
            {
                "dedup_key": n.dedup_key,
                "rule": n.rule,
                "category": n.category,
                "level": n.level,
                "kind": n.kind,
                "at": n.at.isoformat(),
            }
            for n in report.notifications
        ],
        "outcomes": [
            {
                "incident_id": o.incident_id,
                "alerted": o.alerted,
                "level": o.level,
                "minutes_to_alert": o.minutes_to_alert,
            }
            for o in report.outcomes
        ],
        "false_alerts": [
            {"week_start": w.week_start.isoformat(), "count": w.count, "dedup_keys": list(w.dedup_keys)}
            for w in report.false_alerts
        ],
        "notifications_per_key": [
            {"dedup_key": k.dedup_key, **k.by_kind, "total": k.total} for k in report.notifications_per_key()
        ],
    }


def _decode(root: Fields) -> Report:
    if root.raw("format") != FORMAT:
        raise ReportError(f"format: expected {FORMAT}")
    s = Fields(root.raw("scenario"), "scenario")
    return Report(
        scenario=Scenario(
            s.text("name"), s.integer("seed"), s.day("start"), s.integer("days"), s.text("time_zone"), s.integer("fans")
        ),
        days=tuple(
            DayFigures(d.day("day"), d.numbers("kpis"), d.counts("tiers"), d.counts("stages"))
            for d in root.objects("days")
        ),
        incidents=tuple(
            Incident(
                i.text("incident_id"),
                i.text("kind"),
                i.instant("start"),
                i.instant("end"),
                i.number("size"),
                i.text("expected_category"),
            )
            for i in root.objects("incidents")
        ),
        notifications=tuple(
            Notification(
                n.text("dedup_key"),
                n.text("rule"),
                n.text("category"),
                _level(n.text("level")),
                _kind(n.text("kind")),
                n.instant("at"),
            )
            for n in root.objects("notifications")
        ),
        outcomes=tuple(
            IncidentOutcome(
                o.text("incident_id"),
                o.flag("alerted"),
                _optional_level(o.optional_text("level")),
                o.optional_number("minutes_to_alert"),
            )
            for o in root.objects("outcomes")
        ),
        false_alerts=tuple(
            FalseAlerts(w.day("week_start"), w.integer("count"), w.texts("dedup_keys"))
            for w in root.objects("false_alerts")
        ),
    )


def _level(value: str) -> Level:
    if value not in LEVELS:
        raise ReportError(f"unknown level {value!r}")
    return value


def _optional_level(value: str | None) -> Level | None:
    return None if value is None else _level(value)


def _kind(value: str) -> NotificationKind:
    if value not in KINDS:
        raise ReportError(f"unknown notification kind {value!r}")
    return value
