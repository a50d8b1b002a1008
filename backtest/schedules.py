"""The deployed schedules, invoked as EventBridge would at simulated instants: the hourly jobs tick, the
5-minute alert sweep, and the risk scan wherever the app registers it.

The risk scan is looked up in one place (`risk_scan`): an app handler named `risk_scan` (a 5-minute
schedule), else a `risk-scan` job in `jobs.REGISTRY` run at each step; without either the simulator runs
no aggregate rules, and the report shows the incidents they would catch as not alerted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice.app import Chalice

RISK_SCAN_HANDLER = "risk_scan"
RISK_SCAN_JOB = "risk-scan"
HOURLY = "run_due_jobs"
SWEEP = "alert_sweep"

Invoke = Callable[[str, dict[str, Any]], Any]


def scheduled_event(name: str, now: datetime) -> dict[str, Any]:
    """An EventBridge scheduled event for the rule of handler `name`, at `now` (its id names the instant)."""
    return {
        "version": "0",
        "id": f"backtest-{name}-{now:%Y%m%dT%H%M}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/fan-engagement-dev-{name}-event"],
        "detail": {},
    }


def risk_scan(app: Chalice, invoke: Invoke) -> Callable[[datetime], object] | None:
    """How to run the risk scan at an instant, or None while the app has none."""
    from chalicelib.services import jobs

    if RISK_SCAN_HANDLER in app.handler_map:
        return lambda now: invoke(RISK_SCAN_HANDLER, scheduled_event(RISK_SCAN_HANDLER, now))
    if RISK_SCAN_JOB in jobs.REGISTRY:
        return lambda now: jobs.run_in_process(
            jobs.start(RISK_SCAN_JOB, f"backtest-{now:%Y%m%dT%H%M}", "schedule", now)
        )
    return None


class Schedules:
    def __init__(self, app: Chalice, invoke: Invoke) -> None:
        self.invoke = invoke
        self.scan = risk_scan(app, invoke)

    def every_five_minutes(self, now: datetime) -> None:
        if self.scan is not None:
            self.scan(now)
        self.invoke(SWEEP, scheduled_event(SWEEP, now))

    def hourly(self, now: datetime) -> None:
        self.invoke(HOURLY, scheduled_event(HOURLY, now))
