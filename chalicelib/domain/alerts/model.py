"""The words of the alert lifecycle: levels, categories, what a rule observes, one alert's state, a silence.

Nothing here decides anything; `lifecycle.py` moves an alert, `messages.py` renders what is published.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

Level = Literal["warning", "activate", "escalate"]
Category = Literal["user", "content", "compliance", "technical", "operations"]
Status = Literal["pending", "open", "acknowledged", "resolved"]
Listed = Literal["open", "acknowledged", "resolved"]
Kind = Literal["raised", "escalated", "repeated", "resolved"]
Evidence = dict[str, Any] | list[Any]

LEVELS: tuple[Level, ...] = ("warning", "activate", "escalate")
CATEGORIES: tuple[Category, ...] = ("user", "content", "compliance", "technical", "operations")
LISTED: tuple[Listed, ...] = ("open", "acknowledged", "resolved")
"""What operators and subscribers see; a `pending` alert (its pending period not yet held) is not an alert yet."""

_ALERT_ID = re.compile(r"alr_([0-9a-f]{32})-([1-9][0-9]{0,8})")


def rank(level: Level | None) -> int:
    """Order of levels; a clear condition ranks below `warning`."""
    return -1 if level is None else LEVELS.index(level)


def dedup_key(category: Category, rule: str, scope: str) -> str:
    """`<category>:<rule>:<scope>`: stable across evaluations (no timestamps), so one alert per problem."""
    return f"{category}:{rule}:{scope}"


def key_digest(key: str) -> str:
    """The dedup key as a fixed-width storage key: scopes may hold any characters, alert ids may not."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def alert_id(key: str, episode: int) -> str:
    """An alert is one episode of its dedup key (raised, then resolved); a later occurrence is the next episode."""
    return f"alr_{key_digest(key)}-{episode}"


def parse_alert_id(value: str) -> tuple[str, int] | None:
    """(key digest, episode) of an id this service issued; None for any other string."""
    found = _ALERT_ID.fullmatch(value)
    return (found[1], int(found[2])) if found else None


@dataclass(frozen=True)
class Observation:
    """What one rule saw at one evaluation for one scope; `level` None means the condition is clear, unless
    `holds`: under every level yet not recovered (or not judgeable), which keeps a raised alert as it is and
    raises nothing (hysteresis: a value hovering at its threshold does not raise and resolve by turns).

    Periods left None take the policy's defaults. A hit brings its title, summary, evidence,
    runbook and periods to the alert; a clear observation only clears (the alert keeps its last
    hit's). `inhibited_by_technical` marks rules whose hits are likely symptoms of an outage (KPI
    drops, churn spikes): they are held while a technical alert is open. `observed_at` (default:
    the evaluation's time) lets late or reordered deliveries be recognised.
    """

    rule: str
    category: Category
    scope: str
    level: Level | None
    title: str = ""
    summary: str = ""
    evidence: Evidence = field(default_factory=dict)
    runbook: str = ""
    pending: timedelta | None = None
    repeat_interval: timedelta | None = None
    clear_period: timedelta | None = None
    inhibited_by_technical: bool = False
    observed_at: datetime | None = None
    holds: bool = False

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.category, self.rule, self.scope)


def _default_repeats() -> dict[Level, timedelta]:
    return {"warning": timedelta(hours=24), "activate": timedelta(hours=4), "escalate": timedelta(hours=1)}


@dataclass(frozen=True)
class AlertPolicy:
    """Defaults for periods a rule does not set, and the limits every alert shares (ALERT_* settings)."""

    pending: timedelta = timedelta(0)
    clear_period: timedelta = timedelta(minutes=30)
    repeat_intervals: Mapping[Level, timedelta] = field(default_factory=_default_repeats)
    max_repeats: int = 5
    escalate_after: timedelta = timedelta(minutes=30)
    evidence_items: int = 50


@dataclass(frozen=True)
class Alert:
    """One episode of a dedup key, from its first observation to its resolution.

    `level` is the highest level reached while open (it never falls: a lessening problem is still
    open until it clears); `observed` is what the rules saw last. `notifications` counts published
    notifications, `muted` those decided while silenced or held. `version` guards every write.
    """

    alert_id: str
    episode: int
    dedup_key: str
    rule: str
    category: Category
    scope: str
    status: Status
    observed: Level | None
    observed_at: datetime
    first_seen_at: datetime
    title: str = ""
    summary: str = ""
    evidence: Evidence = field(default_factory=dict)
    runbook: str = ""
    pending: timedelta | None = None
    repeat_interval: timedelta | None = None
    clear_period: timedelta | None = None
    inhibited_by_technical: bool = False
    level: Level | None = None
    condition_since: datetime | None = None
    clear_since: datetime | None = None
    raised_at: datetime | None = None
    level_since: datetime | None = None
    detected_at: datetime | None = None
    last_notified_at: datetime | None = None
    repeats: int = 0
    notifications: int = 0
    muted: int = 0
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        """Raised and not resolved (acknowledged alerts are open too)."""
        return self.status in ("open", "acknowledged")


@dataclass(frozen=True)
class Notification:
    """A decision to publish; its id is stable (alert and the version that decided it), so subscribers dedupe."""

    notification_id: str
    kind: Kind
    alert: Alert
    at: datetime


@dataclass(frozen=True)
class Silence:
    """Mutes alerts matching every matcher given until `ends_at` (compared explicitly, never by TTL)."""

    silence_id: str
    category: Category | None
    rule: str | None
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime

    def active(self, now: datetime) -> bool:
        return now < self.ends_at

    def matches(self, alert: Alert) -> bool:
        return (self.category is None or self.category == alert.category) and (
            self.rule is None or self.rule == alert.rule
        )
