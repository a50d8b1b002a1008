"""The run's summary as text: per incident the verdict against its target, false alerts, notifications per key."""

from __future__ import annotations

from datetime import timedelta

from backtest import matching
from backtest.report import Report
from backtest.simulate import Measures


def lines(report: Report, measures: Measures) -> list[str]:
    scenario = report.scenario
    out = [
        f"backtest {scenario.name}: {scenario.days} days from {scenario.start} ({scenario.time_zone}), "
        f"{scenario.fans} fans, seed {scenario.seed}",
        f"risk scan: {'ran every 5 minutes' if measures.risk_scan else 'none in this app (aggregate rules not run)'}",
        "",
        f"{'incident':34} {'category':11} {'alerted':8} {'level':9} {'minutes':>8}  target",
    ]
    outcomes = {o.incident_id: o for o in report.outcomes}
    churned_after = timedelta(days=measures.churned_after_days)
    for incident in report.incidents:
        o = outcomes[incident.incident_id]
        minutes = "-" if o.minutes_to_alert is None else f"{o.minutes_to_alert:.0f}"
        met = "met" if matching.on_target(incident, o, churned_after) else "MISSED"
        out.append(
            f"{incident.incident_id:34} {incident.expected_category:11} {'yes' if o.alerted else 'no':8} "
            f"{o.level or '-':9} {minutes:>8}  {met}"
        )
    weekly = matching.false_per_week(report.false_alerts, scenario.days)
    out += ["", f"false alerts: {sum(w.count for w in report.false_alerts)} ({weekly:.2f} per simulated week)"]
    out += [f"  week of {w.week_start}: {w.count} {', '.join(w.dedup_keys)}" for w in report.false_alerts if w.count]
    out += ["", "notifications per dedup key (raised/escalated/repeated/resolved):"]
    for row in report.notifications_per_key():
        counts = "/".join(str(row.by_kind[kind]) for kind in ("raised", "escalated", "repeated", "resolved"))
        out.append(f"  {row.dedup_key}: {counts}")
    if not report.notifications:
        out.append("  (none)")
    per_record = measures.requests_per_stream_record
    out += [
        "",
        f"wall time {measures.wall_seconds:.1f} s (CPU {measures.cpu_seconds:.1f} s); {measures.actions} actions sent; "
        f"{measures.dynamodb_requests} DynamoDB requests",
        f"stream records {measures.stream_records}; DynamoDB requests by stream handlers {measures.stream_requests} "
        f"({'-' if per_record is None else f'{per_record:.3f}'} per record)",
        "responses: " + ", ".join(f"{k}: {n}" for k, n in measures.statuses.items()),
        "schedules: "
        + ", ".join(
            f"{name} {runs} runs, {measures.scheduled_requests.get(name, 0) / runs:.1f} DynamoDB requests a run"
            for name, runs in sorted(measures.scheduled_runs.items())
        ),
        "CPU seconds by part: "
        + ", ".join(f"{part} {seconds:.0f}" for part, seconds in sorted(measures.seconds.items())),
    ]
    return out
