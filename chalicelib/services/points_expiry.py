"""The daily `expire-points` job: the unspent points of months past their validity leave the balance."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import days, expiry
from chalicelib.domain import fan as fans
from chalicelib.services import fan_update
from chalicelib.services.job_spec import Context, Counts, Job
from chalicelib.settings import get_settings


def decide(fan: fans.Fan, at: datetime, context: Context | None = None) -> fan_update.Decision[Counts]:
    """Idempotent by the state: once a month has expired its bucket is gone, so a rerun writes nothing."""
    settings = get_settings()
    zone = settings.community_time_zone
    change = expiry.expire(fan, days.local_day(at, zone), settings.points_expiry_months, zone, at)
    if change is None:
        return fan_update.Decision({"unchanged": 1})
    points = -sum(entry.delta for entry in change.entries if entry.kind == "expiry")
    counts = {"expired": 1, "points_expired": points} if points else {"pruned": 1}
    return fan_update.Decision(counts, change)


JOB = Job("expire-points", decide, hour=1)  # daily from 01:00 community time
