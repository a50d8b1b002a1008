"""Daily check-in: one award per local day, counted in a version-guarded transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import Unavailable
from chalicelib.observability import count
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import StaleFan
from chalicelib.services import fan_cache
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class CheckinResult:
    fan: fans.Fan
    day: date
    points_awarded: int
    already_checked_in: bool


def check_in(fan_id: str, now: datetime) -> CheckinResult:
    """Common case with a warm cache: one transaction. A stale guess costs one more request."""
    settings = get_settings()
    fan = fan_cache.get(fan_id)
    fresh = fan is None
    if fan is None:
        fan = reads.fan(fan_id) or fans.Fan(fan_id)
    for _ in range(settings.write_attempts):
        outcome = fans.check_in(fan, now, settings.community_time_zone, settings.checkin_rules)
        if outcome.change is None:
            if not fresh:
                fan, fresh = reads.fan(fan_id) or fans.Fan(fan_id), True
                continue
            fan_cache.remember(fan)
            return CheckinResult(fan, outcome.day, 0, True)
        try:
            token = uuid.uuid4().hex
            writes.commit_fan_change(outcome.change, None, now, token)
        except StaleFan as stale:
            if not stale.written_by(token):
                fan, fresh = stale.current or fans.Fan(fan_id), True
                continue  # otherwise our own write landed and only its response was lost
        fan_cache.remember(outcome.change.fan)
        count("CheckIns")
        count("PointsAwarded", outcome.points_awarded, kind="checkin")
        return CheckinResult(outcome.change.fan, outcome.day, outcome.points_awarded, False)
    raise Unavailable("Too many concurrent changes to this fan; retry shortly.")
