"""The backtest report's model and JSON file: a round trip keeps everything, a wrong file is refused with where."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from backtest import codec
from backtest.fields import ReportError
from backtest.report import DayFigures, Incident, IncidentOutcome, Notification, Report
from tests.backtest_reports import FIXTURE, START, local, report, scenario


def test_a_report_survives_its_json():
    original = report()
    assert codec.from_json(codec.to_json(original)) == original


def test_the_fixture_is_in_the_current_format():
    text = FIXTURE.read_text(encoding="utf-8")
    assert codec.to_json(codec.read(FIXTURE)) == text


def test_notifications_are_counted_per_dedup_key_by_kind_most_first():
    rows = report().notifications_per_key()
    assert [(row.dedup_key, dict(row.by_kind), row.total) for row in rows] == [
        ("user:checkin_rings:cluster#1", {"raised": 1, "escalated": 1, "repeated": 0, "resolved": 1}, 3),
        ("operations:kpi_drop:dau", {"raised": 1, "escalated": 0, "repeated": 0, "resolved": 0}, 1),
    ]
    written = json.loads(codec.to_json(report()))["notifications_per_key"]
    assert written[0] == {
        "dedup_key": "user:checkin_rings:cluster#1",
        "raised": 1,
        "escalated": 1,
        "repeated": 0,
        "resolved": 1,
        "total": 3,
    }


def test_kpi_names_keep_first_seen_order_across_days():
    figures = (DayFigures(START, {"b": 1.0}), DayFigures(START.replace(day=3), {"a": 2.0, "b": None}))
    assert Report(scenario(), days=figures).kpi_names() == ("b", "a")


def test_the_period_runs_from_local_midnight_for_the_scenarios_days():
    start, end = scenario(days=2).period()
    assert (start, end) == (local(0), local(2))
    assert start.isoformat() == "2026-03-02T00:00:00+08:00"


def edited(change) -> str:
    data = json.loads(codec.to_json(report()))
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format=2), "format: expected 1"),
        (lambda d: d["days"][1]["kpis"].update(dau="ten"), "days[1].kpis.dau: expected a number"),
        (lambda d: d["days"][0]["tiers"].update(head=True), "days[0].tiers.head: expected an integer"),
        (lambda d: d["days"][0]["tiers"].update(head=-1), "head: count -1 outside"),
        (lambda d: d["days"][0]["tiers"].update(head=2**60), "outside 0.."),
        (lambda d: d["days"][0]["kpis"].update(dau=10**400), "days[0].kpis.dau: number out of range"),
        (lambda d: d["days"].reverse(), "days: expected distinct days in order"),
        (lambda d: d["scenario"].update(time_zone="Mars/Olympus"), "unknown zone 'Mars/Olympus'"),
        (lambda d: d["scenario"].update(days=0), "days must be at least 1"),
        (lambda d: d["scenario"].pop("seed"), "scenario.seed: missing"),
        (lambda d: d["incidents"][0].update(start="2026-03-03T09:00:00"), "incidents[0].start: expected a time with"),
        (lambda d: d["incidents"][0].update(end="2026-03-01T00:00:00+08:00"), "ends before it starts"),
        (lambda d: d["notifications"][0].update(level="critical"), "unknown level 'critical'"),
        (lambda d: d["notifications"][0].update(kind="acknowledged"), "unknown notification kind"),
        (lambda d: d["outcomes"][0].update(incident_id="inc-9"), "outcomes: unknown incidents ['inc-9']"),
        (lambda d: d["outcomes"][0].update(level=None), "an alerted incident has a level and minutes"),
        (lambda d: d["false_alerts"][0].update(count=-1), "negative count"),
        (lambda d: d.update(notifications={}), "notifications: expected a list"),
    ],
)
def test_a_wrong_report_is_refused_saying_where(change, message):
    with pytest.raises(ReportError, match=message.replace("[", r"\[").replace("(", r"\(")):
        codec.from_json(edited(change))


@pytest.mark.parametrize("text", ["", "[]", "{", '{"format": 1}', "NaN"])
def test_what_is_not_a_report_object_is_refused(text):
    with pytest.raises(ReportError):
        codec.from_json(text)


def test_non_finite_numbers_are_refused_though_python_json_reads_them():
    text = edited(lambda d: d["days"][0]["kpis"].update(dau=0)).replace('"dau": 0', '"dau": NaN')
    with pytest.raises(ReportError, match=r"days\[0\].kpis.dau: expected a finite number"):
        codec.from_json(text)


def test_figures_built_in_code_are_checked_too():
    with pytest.raises(ReportError, match="expected a finite number"):
        DayFigures(START, {"dau": float("inf")})
    with pytest.raises(ReportError, match="expected a time with a UTC offset"):
        Notification("k", "r", "user", "warning", "raised", datetime(2026, 3, 2, 9))
    with pytest.raises(ReportError, match="an alerted incident has a level and minutes"):
        IncidentOutcome("inc-1", False, "warning", 3.0)
    with pytest.raises(ReportError, match="incident ids repeat"):
        incident = Incident("inc-1", "ring", local(0), local(1), 1, "user")
        Report(scenario(), incidents=(incident, incident))


def test_a_missed_incident_and_a_null_ratio_round_trip():
    original = report(
        outcomes=(IncidentOutcome("inc-1", False),),
        days=(DayFigures(START, {"stickiness": None}),),
    )
    data = json.loads(codec.to_json(original))
    assert data["outcomes"][0] == {"incident_id": "inc-1", "alerted": False, "level": None, "minutes_to_alert": None}
    assert data["days"][0]["kpis"] == {"stickiness": None}
    assert codec.from_json(json.dumps(data)) == original
