"""The daily `expire-points` job: the unspent points of months past their validity leave the balance.

The same write records the `PointsExpiring` notices that fall due (`Fan.expiry_notices`): the
outgoing event is derived from that change on the fans table's stream, so it goes out once per
fan, month and notice, however often the day's run is repeated.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain import days, expiry
from chalicelib.domain import fan as fans
from chalicelib.services import fan_update
from chalicelib.services.job_spec import Context, Counts, Job
from chalicelib.settings import get_settings

SEGMENTS = 4  # in-process today; the deployed fan-out sizes this to its workers (docs/jobs.md)


def decide(fan: fans.Fan, at: datetime, context: Context | None = None) -> fan_update.Decision[Counts]:
    """Idempotent by the state: an expired month is gone and a recorded notice stays, so a rerun writes nothing."""
    settings = get_settings()
    zone = settings.community_time_zone
    today = days.local_day(at, zone)
    change = expiry.expire(fan, today, settings.points_expiry_months, zone, at)
    counts: Counts = {}
    if change is not None:
        points = -sum(entry.delta for entry in change.entries if entry.kind == "expiry")
        counts = {"expired": 1, "points_expired": points} if points else {"pruned": 1}
    state = change.fan if change is not None else fan
    notices = expiry.noticed(state, today, settings.points_expiry_months)
    if notices != state.expiry_notices:
        if new := len(notices - state.expiry_notices):
            counts["noticed"] = new
        noted = replace(state, expiry_notices=notices)
        change = replace(change, fan=noted) if change is not None else fans.touch(fan, noted, at)
    if change is None:
        return fan_update.Decision({"unchanged": 1})
    return fan_update.Decision(counts, change)


JOB = Job("expire-points", SEGMENTS, decide, hour=1)  # daily from 01:00 community time
