"""The report's tables: the headline figures, each incident's outcome, false alerts per week, notifications per key."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from backtest.markup import Markup, element, exact, figure
from backtest.report import KINDS, Report

MISSING = "—"


def summary(report: Report) -> Markup:
    """The scenario, and the figures a reader checks first: detection, speed, noise."""
    scenario = report.scenario
    alerted = [o for o in report.outcomes if o.alerted]
    minutes = [o.minutes_to_alert for o in alerted if o.minutes_to_alert is not None]
    per_key = report.notifications_per_key()
    rows = [
        ("scenario", scenario.name),
        ("seed", str(scenario.seed)),
        ("period", f"{scenario.start} + {scenario.days} days ({scenario.time_zone})"),
        ("fans", exact(scenario.fans)),
        ("incidents alerted", f"{len(alerted)} of {len(report.outcomes)} assessed ({len(report.incidents)} injected)"),
        ("median minutes to alert", figure(statistics.median(minutes)) if minutes else MISSING),
        ("slowest alert (minutes)", figure(max(minutes)) if minutes else MISSING),
        ("false alerts", str(sum(week.count for week in report.false_alerts))),
        ("notifications", str(len(report.notifications))),
        ("most for one dedup key", f"{per_key[0].total} ({per_key[0].dedup_key})" if per_key else MISSING),
    ]
    items = [part for name, value in rows for part in (element("dt", None, name), element("dd", None, value))]
    return element("dl", {"class_": "summary"}, *items)


def outcomes(report: Report) -> Markup:
    zone = ZoneInfo(report.scenario.time_zone)
    verdicts = {outcome.incident_id: outcome for outcome in report.outcomes}
    rows = []
    for incident in report.incidents:
        outcome = verdicts.get(incident.incident_id)
        alerted = MISSING if outcome is None else ("yes" if outcome.alerted else "NO")
        level = outcome.level if outcome and outcome.level else MISSING
        minutes = outcome.minutes_to_alert if outcome else None
        rows.append(
            [
                incident.incident_id,
                incident.kind,
                incident.expected_category,
                incident.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                incident.end.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                exact(incident.size),
                alerted,
                level,
                MISSING if minutes is None else exact(minutes),
            ]
        )
    headers = ["incident", "kind", "expected category", "start", "end", "size", "alerted", "level", "minutes to alert"]
    caption = f"Outcome per incident (times in {report.scenario.time_zone}; — not assessed)"
    return table(caption, headers, rows, numeric={5, 8})


def false_alerts(report: Report) -> Markup:
    rows = [[str(w.week_start), str(w.count), ", ".join(w.dedup_keys) or MISSING] for w in report.false_alerts]
    return table("False alerts per simulated week", ["week from", "false alerts", "dedup keys"], rows, numeric={1})


def notifications(report: Report) -> Markup:
    rows = [
        [row.dedup_key, *(str(row.by_kind[kind]) for kind in KINDS), str(row.total)]
        for row in report.notifications_per_key()
    ]
    headers = ["dedup key", *KINDS, "total"]
    return table("Notifications per dedup key", headers, rows, numeric=set(range(1, len(headers))))


def table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> Markup:
    """A captioned table; `numeric` columns align right. No rows: one row saying so."""
    head = element("tr", None, *(element("th", {"scope": "col"}, header) for header in headers))
    body = [
        element(
            "tr",
            None,
            *(element("td", {"class_": "num" if i in numeric else None}, cell) for i, cell in enumerate(row)),
        )
        for row in rows
    ] or [element("tr", None, element("td", {"colspan": len(headers), "class_": "none"}, "none"))]
    return element(
        "table", None, element("caption", None, caption), element("thead", None, head), element("tbody", None, *body)
    )
