"""Which notification answered which incident, and which alerts answered none (false alerts per week).

Pure: it reads the incidents and the notifications ops received, nothing else. An incident is answered
by the first notification (not a `resolved` one) of its expected category and rule, from its start to
`explains` after its end; its level is the highest such notification's. A raised alert that answers
no incident in that way, and is no designed consequence of one (a churn spike's KPI drop), is a
false alert, counted in the simulated week (from the scenario's start day) of its community-local date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from backtest.report import LEVELS, FalseAlerts, Incident, IncidentOutcome, Notification
from chalicelib.domain.risk import (
    checkin_rings,
    churn_spike,
    flagged_content,
    kpi_drop,
    legal_flags,
    points_farming,
    redemption_farming,
    stock_out,
    webhook_signatures,
)

REAL_TIME = timedelta(minutes=5)


@dataclass(frozen=True)
class Expectation:
    """The answer a good rule set gives an incident kind: its category and rule, and how soon (the target)."""

    category: str
    rules: tuple[str, ...]
    target: timedelta
    explains: timedelta = timedelta(hours=1)
    after_end: bool = False
    """The target counts from the incident's end (churn: the next daily run after fans stopped)."""
    consequences: tuple[str, ...] = ()
    """Other rules the incident sets off by design: their alerts in its window are not false, nor its answer."""


EXPECTED: dict[str, Expectation] = {
    "points_farming": Expectation("user", (points_farming.RULE,), REAL_TIME),
    "checkin_ring": Expectation("user", (checkin_rings.RULE,), REAL_TIME),
    "redemption_farming": Expectation("user", (redemption_farming.RULE,), REAL_TIME),
    "stock_runout": Expectation("operations", (stock_out.RULE,), REAL_TIME),
    "flagged_content_surge": Expectation("content", (flagged_content.RULE,), REAL_TIME),
    "compliance_flag": Expectation("compliance", (legal_flags.RULE,), REAL_TIME),
    "webhook_signature_failures": Expectation("technical", (webhook_signatures.RULE,), REAL_TIME),
    "kpi_drop": Expectation("operations", (kpi_drop.RULE,), timedelta(minutes=60), timedelta(days=1)),
    "churn_spike": Expectation(
        "user",
        (churn_spike.RULE,),
        timedelta(hours=25),
        timedelta(days=45),
        after_end=True,
        consequences=(kpi_drop.RULE,),  # the regulars' activity is gone for good: the KPIs did drop
    ),
}


def answers(incident: Incident, notification: Notification) -> bool:
    expected = EXPECTED[incident.kind]
    return (
        notification.kind != "resolved"
        and notification.category == expected.category
        and notification.rule in expected.rules
        and incident.start <= notification.at <= incident.end + expected.explains
    )


def explains(incident: Incident, notification: Notification) -> bool:
    """It answers the incident, or it is one of the incident's designed consequences in its window."""
    expected = EXPECTED[incident.kind]
    return answers(incident, notification) or (
        notification.rule in expected.consequences
        and incident.start <= notification.at <= incident.end + expected.explains
    )


def outcome(incident: Incident, notifications: Sequence[Notification]) -> IncidentOutcome:
    answering = sorted((n for n in notifications if answers(incident, n)), key=lambda n: n.at)
    if not answering:
        return IncidentOutcome(incident.incident_id, False)
    level = max((n.level for n in answering), key=LEVELS.index)
    minutes = (answering[0].at - incident.start).total_seconds() / 60
    return IncidentOutcome(incident.incident_id, True, level, round(minutes, 1))


def on_target(incident: Incident, result: IncidentOutcome, churned_after: timedelta = timedelta()) -> bool:
    """Alerted within the kind's target: from its start, or for churn from the time its fans count as churned
    (`churned_after` past its end: the lifecycle's idle threshold) to the daily run after."""
    if result.minutes_to_alert is None:
        return False
    expected = EXPECTED[incident.kind]
    allowed = expected.target + (incident.end - incident.start + churned_after if expected.after_end else timedelta())
    return result.minutes_to_alert <= allowed.total_seconds() / 60


def false_alerts(
    incidents: Sequence[Incident], notifications: Sequence[Notification], start: date, days: int, zone: ZoneInfo
) -> tuple[FalseAlerts, ...]:
    """Per simulated week (the last may be short): the raised alerts that answered no incident."""
    unexplained = [n for n in notifications if n.kind == "raised" and not any(explains(i, n) for i in incidents)]
    weeks = []
    for week in range(0, days, 7):
        first = start + timedelta(days=week)
        last = min(first + timedelta(days=7), start + timedelta(days=days))
        keys = tuple(n.dedup_key for n in unexplained if first <= n.at.astimezone(zone).date() < last)
        weeks.append(FalseAlerts(first, len(keys), keys))
    return tuple(weeks)


def false_per_week(weeks: Sequence[FalseAlerts], days: int) -> float:
    return sum(w.count for w in weeks) / (days / 7)
