"""CloudWatch alarms as technical observations: ALARM holds the condition, OK clears it, INSUFFICIENT_DATA says nothing.

The rule is the alarm's name and the scope its region, so each alarm is one alert. CloudWatch has
already required the breach over its evaluation periods, so neither raising nor resolving waits
again. Each known alarm has a level and a runbook section in docs/operations.md; alarms added later
(queue depth, iterator age) fall back to `activate` and the general section until they get their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts.model import Level, Observation

RUNBOOKS = "docs/operations.md"
STATES: dict[str, bool] = {"ALARM": True, "OK": False}


@dataclass(frozen=True)
class TechnicalAlarm:
    level: Level
    title: str
    anchor: str


ALARMS: dict[str, TechnicalAlarm] = {
    "Api5xxAlarm": TechnicalAlarm("activate", "API answering 5XX errors", "api5xxalarm-the-api-answers-5xx"),
    "FansTableThrottleAlarm": TechnicalAlarm(
        "activate", "Fans table throttled", "fanstablethrottlealarm-the-fans-table-is-throttled"
    ),
    "JobRunsFailedAlarm": TechnicalAlarm(
        "warning", "A scheduled job run failed", "jobrunsfailedalarm-a-scheduled-job-run-failed"
    ),
    **{
        f"{table}StreamIteratorAgeAlarm": TechnicalAlarm(
            "warning",
            f"The {table.lower()} stream's handler lags",
            f"{table.lower()}streamiteratoragealarm-the-{table.lower()}-streams-handler-lags",
        )
        for table in ("Fans", "Ledger", "Redemptions", "Deliveries")
    },
    "StreamFailuresAlarm": TechnicalAlarm(
        "activate", "A stream batch was given up", "streamfailuresalarm-a-stream-batch-was-given-up"
    ),
    "JobSegmentsDeadLetterAlarm": TechnicalAlarm(
        "warning",
        "A job segment is in the dead-letter queue",
        "jobsegmentsdeadletteralarm-a-job-segment-is-in-the-dead-letter-queue",
    ),
    "JobSegmentsBacklogAlarm": TechnicalAlarm(
        "activate",
        "Job segments wait for workers",
        "jobsegmentsbacklogalarm-job-segments-wait-for-workers",
    ),
}
UNKNOWN = TechnicalAlarm("activate", "CloudWatch alarm", "technical-alarms")


def known(alarm_name: str) -> TechnicalAlarm:
    """By the alarm's logical name, the last part of its deployed name (`fan-engagement-dev-Api5xxAlarm`)."""
    return ALARMS.get(alarm_name.rsplit("-", 1)[-1], UNKNOWN)


def observation(event: Mapping[str, Any]) -> Observation | None:
    """The observation an EventBridge "CloudWatch Alarm State Change" event makes; None for anything else."""
    detail = event.get("detail")
    if event.get("detail-type") != "CloudWatch Alarm State Change" or not isinstance(detail, Mapping):
        return None
    state = detail.get("state")
    if not isinstance(state, Mapping):
        return None
    name, value = detail.get("alarmName"), state.get("value")
    if not isinstance(name, str) or not name or not isinstance(value, str) or value not in STATES:
        return None
    alarm = known(name)
    reason = str(state.get("reason") or "")[:1000]
    previous = detail.get("previousState")
    return Observation(
        rule=name,
        category="technical",
        scope=str(event.get("region") or "global"),
        level=alarm.level if STATES[value] else None,
        title=f"{alarm.title} ({name})" if alarm is UNKNOWN else alarm.title,
        summary=reason,
        evidence={
            "alarm": name,
            "state": value,
            "previous_state": previous.get("value") if isinstance(previous, Mapping) else None,
            "reason": reason,
        },
        runbook=f"{RUNBOOKS}#{alarm.anchor}",
        pending=timedelta(0),
        clear_period=timedelta(0),
        observed_at=_instant(state.get("timestamp")) or _instant(event.get("time")),
    )


def _instant(value: object) -> datetime | None:
    """CloudWatch writes `2026-11-22T04:00:00.000+0000`; an unreadable or naive time is left to the evaluation's."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
