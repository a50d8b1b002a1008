"""The tiny scenario end to end, in-process: real handlers, streams, schedules and alert lifecycle on moto.

The app on this branch has no risk scan, so the run is given one through the simulator's single seam
(`backtest.schedules.risk_scan`): it reports a legal flag while the compliance incident lasts and a
points-farming hit on a day with no incident, through the real `alerting.evaluate`. What ops receive
(SNS to SQS) must come back as the report's notifications, answer the one and count the other as false.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backtest import codec, html, matching, schedules, simulate, summary
from backtest.report import Report
from backtest.scenario import ScenarioSpec, load

TINY = Path(__file__).resolve().parents[2] / "events" / "scenarios" / "tiny.json"


def fake_scan(spec: ScenarioSpec, seen: list[dict[str, Any]]) -> Callable[[Any, Any], Callable[[datetime], object]]:
    from chalicelib.domain.alerts.model import Observation
    from chalicelib.services import alerting

    [legal] = [i for i in spec.incidents if i.kind == "compliance_flag"]
    farming_from = legal.start - timedelta(days=1)

    def scan(now: datetime) -> object:
        observations = [
            Observation(
                "legal_flags",
                "compliance",
                "community",
                "activate" if legal.start <= now < legal.end + timedelta(minutes=30) else None,
                "Legal flag",
                runbook="operations.md#legal-flags",
            ),
            Observation(
                "points_farming",
                "user",
                "community",
                "warning" if farming_from <= now < farming_from + timedelta(hours=1) else None,
                "Farming",
                runbook="operations.md#points-farming",
            ),
        ]
        result = alerting.evaluate(observations, now)
        seen.append({"at": now, "published": result.published})
        return result

    return lambda app, invoke: scan


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[Report, simulate.Measures, list[dict[str, Any]]]]:
    spec = load(TINY)
    seen: list[dict[str, Any]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schedules, "risk_scan", fake_scan(spec, seen))
        report, measures = simulate.run(spec)
    yield report, measures, seen


def test_every_incident_has_an_outcome_and_the_report_round_trips(
    run: tuple[Report, simulate.Measures, list[dict[str, Any]]], tmp_path: Path
) -> None:
    report, measures, _ = run
    assert [o.incident_id for o in report.outcomes] == [i.incident_id for i in report.incidents]
    assert len(report.incidents) == len(load(TINY).incidents)
    assert codec.from_json(codec.to_json(report)) == report
    html.write(report, tmp_path / "tiny.html")
    assert "<svg" in (tmp_path / "tiny.html").read_text(encoding="utf-8")
    assert [d.day.isoformat() for d in report.days] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert measures.risk_scan and measures.stream_records > 0 and measures.actions > 0


def test_notifications_are_what_the_ops_queue_received(
    run: tuple[Report, simulate.Measures, list[dict[str, Any]]],
) -> None:
    report, _, seen = run
    assert len(report.notifications) == sum(s["published"] for s in seen) > 0
    per_key = {row.dedup_key: row for row in report.notifications_per_key()}
    raised = Counter(n.dedup_key for n in report.notifications if n.kind == "raised")
    assert raised == Counter({"compliance:legal_flags:community": 1, "user:points_farming:community": 1})
    assert per_key["compliance:legal_flags:community"].by_kind["raised"] == 1


def test_the_legal_flag_answers_its_incident_and_the_farming_hit_is_false(
    run: tuple[Report, simulate.Measures, list[dict[str, Any]]],
) -> None:
    report, measures, _ = run
    outcomes = {o.incident_id: o for o in report.outcomes}
    [legal] = [i for i in report.incidents if i.kind == "compliance_flag"]
    answered = outcomes[legal.incident_id]
    assert answered.alerted and answered.level in ("activate", "escalate")
    assert answered.minutes_to_alert is not None and 0 <= answered.minutes_to_alert <= 30
    others = [o for o in report.outcomes if o.incident_id != legal.incident_id]
    assert not any(o.alerted for o in others)  # nothing else raised anything
    assert sum(w.count for w in report.false_alerts) == 1
    assert report.false_alerts[0].dedup_keys == ("user:points_farming:community",)
    text = "\n".join(summary.lines(report, measures))
    assert "false alerts: 1" in text and legal.incident_id in text
    assert matching.false_per_week(report.false_alerts, report.scenario.days) == pytest.approx(7 / 3)
