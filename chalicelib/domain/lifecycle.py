"""A fan's lifecycle stage, a pure function of the facts on the fan item and the clock.

The stage has no memory of its own: it is recomputed from `Activity`, the check-in streak,
tenure and redemptions, so a churned fan who acts again is back to `interest` (or higher) at the
next assessment, and a change of thresholds applies to everyone at the next run. Rules are
evaluated in a fixed order, the first match wins; see docs/segments.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from chalicelib.domain import activity as activities

Stage = Literal["awareness", "interest", "participation", "loyalty", "advocacy", "churned"]
STAGES: tuple[Stage, ...] = get_args(Stage)


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds; day counts are over the last `window_days` community days."""

    window_days: int = activities.WINDOW_DAYS
    participation_days: int = 4
    participation_streak: int = 7
    loyalty_days: int = 12
    loyalty_tenure: timedelta = timedelta(days=60)
    advocacy_shared_days: int = 2
    advocacy_published_days: int = 1
    at_risk_after: timedelta = timedelta(days=14)
    churned_after: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if not 1 <= self.window_days <= activities.HISTORY_DAYS:
            raise ValueError(f"the lifecycle window is 1 to {activities.HISTORY_DAYS} days")
        if self.at_risk_after > self.churned_after:
            raise ValueError("a fan is at risk before churning: at_risk_after <= churned_after")


@dataclass(frozen=True)
class Assessment:
    stage: Stage
    at_risk: bool


@dataclass(frozen=True)
class StageChange:
    """The detail of a `LifecycleStageChanged` event; `resurrected` feeds growth accounting."""

    from_stage: Stage
    to_stage: Stage

    @property
    def resurrected(self) -> bool:
        return self.from_stage == "churned"


def live_streak(streak: int, last_checkin_day: date | None, fan_today: date) -> int:
    """The streak that still counts: one the fan can extend today, else 0.

    `fan_today` is the fan's own local day, the one check-ins count in.
    """
    if last_checkin_day is None or last_checkin_day < fan_today - timedelta(days=1):
        return 0
    return streak


def assess(
    activity: activities.Activity,
    *,
    created_at: datetime | None,
    streak: int,
    has_redeemed: bool,
    now: datetime,
    today: date,
    rules: LifecycleRules,
) -> Assessment:
    """The stage at `now` (community day `today`); `streak` is the live streak (see `live_streak`).

    Order: churned, advocacy, loyalty, participation, interest, awareness. Each stage from
    participation up also meets the one below, whatever the thresholds.
    """
    idle = None if activity.last_core_at is None else now - activity.last_core_at
    at_risk = idle is not None and idle >= rules.at_risk_after
    if idle is not None and idle >= rules.churned_after:
        return Assessment("churned", at_risk)
    window = rules.window_days
    active = activities.active_days(activity, today, window)
    participating = active >= rules.participation_days or streak >= rules.participation_streak
    tenured = created_at is not None and now - created_at >= rules.loyalty_tenure
    loyal = participating and active >= rules.loyalty_days and tenured and has_redeemed
    spreading = (
        activities.shared_days(activity, today, window) >= rules.advocacy_shared_days
        or activities.published_days(activity, today, window) >= rules.advocacy_published_days
    )
    if loyal and spreading:
        return Assessment("advocacy", at_risk)
    if loyal:
        return Assessment("loyalty", at_risk)
    if participating:
        return Assessment("participation", at_risk)
    if idle is not None or activities.seen_days(activity, today, window) > 0:
        return Assessment("interest", at_risk)
    return Assessment("awareness", at_risk)


def transition(previous: str, current: Stage) -> StageChange | None:
    """The change to announce, or None when the stage is unchanged; `previous` is the stored stage."""
    before = _stage(previous)
    return None if before == current else StageChange(before, current)


def _stage(name: str) -> Stage:
    for stage in STAGES:
        if stage == name:
            return stage
    raise ValueError(f"unknown lifecycle stage {name!r}")
