"""Daily check-in: one award per local day, counted in a version-guarded transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain import fan as fans
from chalicelib.observability import count
from chalicelib.services import fan_update
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class CheckinResult:
    fan: fans.Fan
    day: date
    points_awarded: int
    already_checked_in: bool


def check_in(fan_id: str, now: datetime) -> CheckinResult:
    """Common case with a warm cache: one transaction; "already checked in" only from a fresh read."""
    settings = get_settings()

    def decide(fan: fans.Fan) -> fan_update.Decision[CheckinResult]:
        outcome = fans.check_in(fan, now, settings.community_time_zone, settings.checkin_rules)
        if outcome.change is None:
            return fan_update.Decision(CheckinResult(fan, outcome.day, 0, True))
        zone = settings.community_time_zone
        change = fans.with_activity(outcome.change, "checkin", now, zone, settings.score_rules)
        return fan_update.Decision(CheckinResult(change.fan, outcome.day, outcome.points_awarded, False), change)

    result = fan_update.update(fan_id, decide)
    if not result.already_checked_in:
        count("CheckIns")
        count("PointsAwarded", result.points_awarded, kind="checkin")
    return result
