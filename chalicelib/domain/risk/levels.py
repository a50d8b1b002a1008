"""How a rule's measure maps to a level, and the timing the alert lifecycle applies to a rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from chalicelib.domain.alerts.model import LEVELS, Level


@dataclass(frozen=True)
class Ladder:
    """A measure at or above `warning` warns, at or above `activate` activates, at or above `escalate` escalates.

    `escalate` None: the rule never escalates by itself (the lifecycle escalates an activate
    alert nobody acknowledges).
    """

    warning: float
    activate: float
    escalate: float | None = None

    def __post_init__(self) -> None:
        if not self.warning <= self.activate <= (self.activate if self.escalate is None else self.escalate):
            raise ValueError("a ladder climbs: warning <= activate <= escalate")

    def level(self, measure: float) -> Level | None:
        if self.escalate is not None and measure >= self.escalate:
            return "escalate"
        if measure >= self.activate:
            return "activate"
        if measure >= self.warning:
            return "warning"
        return None


def highest(*levels: Level | None) -> Level | None:
    """The most severe of some levels (None when all are clear)."""
    found = [level for level in levels if level is not None]
    return max(found, key=LEVELS.index) if found else None


def _repeats() -> dict[Level, timedelta]:
    return {"warning": timedelta(hours=24), "activate": timedelta(hours=4), "escalate": timedelta(hours=1)}


@dataclass(frozen=True)
class Timing:
    """For the alert lifecycle: how long a condition holds before it is raised (`pending`), how long
    it stays clear before it resolves (`clear_after`), and how often an open alert repeats per level."""

    pending: timedelta = timedelta(0)
    clear_after: timedelta = timedelta(minutes=15)
    repeat: Mapping[Level, timedelta] = field(default_factory=_repeats)

    def __post_init__(self) -> None:
        if self.pending < timedelta(0) or self.clear_after < timedelta(0):
            raise ValueError("pending and clear_after are durations >= 0")
        if set(self.repeat) != set(LEVELS) or min(self.repeat.values()) <= timedelta(0):
            raise ValueError("a repeat interval is positive and given for every level")


def lowest(*levels: Level | None) -> Level | None:
    """The least severe of some levels; None when any is clear (every condition must hold)."""
    if any(level is None for level in levels) or not levels:
        return None
    return min((level for level in levels if level is not None), key=LEVELS.index)
