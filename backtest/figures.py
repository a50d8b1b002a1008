"""The report's days: tiers and stages from GET /v1/admin/segments, KPIs from GET /v1/admin/kpis.

Until the app serves KPI snapshots (the route answers 404), the days carry the simulator's own
traffic figures instead, named `sent_*`: what was sent and accepted, never what the app measured.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backtest.report import DayFigures
from bench.driver import Driver


@dataclass
class DayTally:
    """What the simulator sent one community day and the app accepted (2xx)."""

    fans: set[str] = field(default_factory=set)
    accepted: Counter[str] = field(default_factory=Counter)

    def kpis(self) -> dict[str, float | None]:
        return {
            "sent_active_fans": float(len(self.fans)),
            "sent_checkins": float(self.accepted["checkin"]),
            "sent_engagements": float(self.accepted["engage"]),
            "sent_redemptions": float(self.accepted["redeem"]),
        }


def segments(driver: Driver) -> tuple[dict[str, int], dict[str, int]]:
    """Tiers and lifecycle stages of the last recalculation; empty before the first."""
    response = driver.call("GET", "/v1/admin/segments", who="ops", admin=True)
    if response.status_code != 200:
        return {}, {}
    body = json.loads(response.body)
    return _counts(body.get("tiers")), _counts(body.get("lifecycle"))


def app_kpis(driver: Driver, first: date, last: date) -> dict[date, dict[str, float | None]] | None:
    """The app's daily KPI snapshots by day, or None while it serves none (no route, or an error)."""
    response = driver.call("GET", f"/v1/admin/kpis?from={first}&to={last}", who="ops", admin=True)
    if response.status_code != 200:
        return None
    found: dict[date, dict[str, float | None]] = {}
    for item in json.loads(response.body).get("items", []):
        day = item.get("day") or item.get("date")
        if isinstance(day, str):
            found[date.fromisoformat(day)] = _values(item)
    return found


def days(
    tallies: Mapping[date, DayTally],
    distributions: Mapping[date, tuple[dict[str, int], dict[str, int]]],
    kpis: Mapping[date, dict[str, float | None]] | None,
) -> tuple[DayFigures, ...]:
    return tuple(
        DayFigures(
            day,
            kpis.get(day, {}) if kpis is not None else tallies[day].kpis(),
            *distributions.get(day, ({}, {})),
        )
        for day in sorted(tallies)
    )


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}


def _values(item: Mapping[str, Any]) -> dict[str, float | None]:
    """Top-level numbers and ratios (`{"value", "numerator", "denominator"}`) of one snapshot."""
    values: dict[str, float | None] = {}
    for name, value in item.items():
        if isinstance(value, dict) and "value" in value:
            value = value["value"]
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            values[name] = None if value is None else float(value)
    return values
