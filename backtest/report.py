"""The backtest report: what one simulated period produced, as the JSON file (`codec`) and the HTML page both see it.

The simulator decides what matched (which alert answered which incident, which alerts were false); the
report only carries its verdicts. Everything is validated on construction, so a report that loads renders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backtest.fields import ReportError, aware, finite

Level = Literal["warning", "activate", "escalate"]
NotificationKind = Literal["raised", "escalated", "repeated", "resolved"]
LEVELS: tuple[Level, ...] = get_args(Level)
KINDS: tuple[NotificationKind, ...] = get_args(NotificationKind)
CATEGORIES = ("user", "content", "compliance", "technical", "operations")
"""The alert categories in their usual order (others, if a report has them, come after)."""
TIERS = ("head", "active", "potential", "silent")
STAGES = ("awareness", "interest", "participation", "loyalty", "advocacy", "churned")
MAX_COUNT = 2**53
"""Counts stay exact as floats (chart coordinates) below this."""


@dataclass(frozen=True)
class Scenario:
    """What was simulated: `days` community days from `start` in `time_zone`, for `fans` fans, from `seed`."""

    name: str
    seed: int
    start: date
    days: int
    time_zone: str
    fans: int

    def __post_init__(self) -> None:
        if self.days < 1 or self.fans < 0:
            raise ReportError(f"scenario: days must be at least 1 and fans not negative ({self.days}, {self.fans})")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ReportError(f"scenario.time_zone: unknown zone {self.time_zone!r}") from error

    def period(self) -> tuple[datetime, datetime]:
        """The simulated span: local midnight of `start` to local midnight after the last day."""
        zone = ZoneInfo(self.time_zone)
        end = self.start + timedelta(days=self.days)
        return datetime.combine(self.start, time(), zone), datetime.combine(end, time(), zone)


@dataclass(frozen=True)
class DayFigures:
    """One community day: named KPI values (None: a ratio over nothing), fans per tier and per stage."""

    day: date
    kpis: Mapping[str, float | None] = field(default_factory=dict)
    tiers: Mapping[str, int] = field(default_factory=dict)
    stages: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.kpis.items():
            if value is not None:
                finite(value, f"{self.day} kpis.{name}")
        for name, count in [*self.tiers.items(), *self.stages.items()]:
            if not 0 <= count <= MAX_COUNT:
                raise ReportError(f"{self.day} {name}: count {count} outside 0..{MAX_COUNT}")


@dataclass(frozen=True)
class Incident:
    """A problem the scenario injected, and the alert category a good rule set answers it with."""

    incident_id: str
    kind: str
    start: datetime
    end: datetime
    size: float
    expected_category: str

    def __post_init__(self) -> None:
        aware(self.start, f"incident {self.incident_id} start")
        aware(self.end, f"incident {self.incident_id} end")
        finite(self.size, f"incident {self.incident_id} size")
        if self.end < self.start:
            raise ReportError(f"incident {self.incident_id}: ends before it starts")


@dataclass(frozen=True)
class Notification:
    """One notification published during the run (muted decisions are not notifications)."""

    dedup_key: str
    rule: str
    category: str
    level: Level
    kind: NotificationKind
    at: datetime

    def __post_init__(self) -> None:
        aware(self.at, f"notification {self.dedup_key} at")
        if self.level not in LEVELS or self.kind not in KINDS:
            raise ReportError(f"notification {self.dedup_key}: unknown level {self.level!r} or kind {self.kind!r}")


@dataclass(frozen=True)
class IncidentOutcome:
    """Whether an incident was alerted, at which highest level, and how long after it started."""

    incident_id: str
    alerted: bool
    level: Level | None = None
    minutes_to_alert: float | None = None

    def __post_init__(self) -> None:
        if self.alerted != (self.level is not None) or self.alerted != (self.minutes_to_alert is not None):
            raise ReportError(f"outcome {self.incident_id}: an alerted incident has a level and minutes, others none")
        if self.level is not None and self.level not in LEVELS:
            raise ReportError(f"outcome {self.incident_id}: unknown level {self.level!r}")
        if self.minutes_to_alert is not None:
            finite(self.minutes_to_alert, f"outcome {self.incident_id} minutes_to_alert")


@dataclass(frozen=True)
class FalseAlerts:
    """Alerts raised in the simulated week from `week_start` that answered no incident."""

    week_start: date
    count: int
    dedup_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ReportError(f"false alerts of {self.week_start}: negative count")


@dataclass(frozen=True)
class KeyNotifications:
    """Notifications of one dedup key by kind: the spam check (one problem, how many messages)."""

    dedup_key: str
    by_kind: Mapping[NotificationKind, int]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class Report:
    scenario: Scenario
    days: tuple[DayFigures, ...] = ()
    incidents: tuple[Incident, ...] = ()
    notifications: tuple[Notification, ...] = ()
    outcomes: tuple[IncidentOutcome, ...] = ()
    false_alerts: tuple[FalseAlerts, ...] = ()

    def __post_init__(self) -> None:
        days = [figures.day for figures in self.days]
        if days != sorted(set(days)):
            raise ReportError("days: expected distinct days in order")
        known = {incident.incident_id for incident in self.incidents}
        if len(known) != len(self.incidents):
            raise ReportError("incidents: incident ids repeat")
        unknown = [outcome.incident_id for outcome in self.outcomes if outcome.incident_id not in known]
        if unknown:
            raise ReportError(f"outcomes: unknown incidents {unknown}")

    def kpi_names(self) -> tuple[str, ...]:
        """Every KPI any day has, in first-seen order."""
        return tuple(dict.fromkeys(name for figures in self.days for name in figures.kpis))

    def notifications_per_key(self) -> tuple[KeyNotifications, ...]:
        """Per dedup key, most notified first."""
        counts: dict[str, Counter[NotificationKind]] = {}
        for notification in self.notifications:
            counts.setdefault(notification.dedup_key, Counter())[notification.kind] += 1
        rows = [KeyNotifications(key, {kind: by_kind[kind] for kind in KINDS}) for key, by_kind in counts.items()]
        return tuple(sorted(rows, key=lambda row: (-row.total, row.dedup_key)))
