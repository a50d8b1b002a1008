"""The daily `update-lifecycle` job: each fan's stage and at-risk flag from their activity facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain import days, lifecycle
from chalicelib.domain import fan as fans
from chalicelib.services import fan_update
from chalicelib.services.job_spec import Context, Counts, Job
from chalicelib.settings import get_settings


def assessed(fan: fans.Fan, at: datetime) -> lifecycle.Assessment:
    settings = get_settings()
    community = settings.community_time_zone
    fan_today = days.local_day(at, fan.zone_or(community))
    return lifecycle.assess(
        fan.activity,
        created_at=fan.created_at,
        streak=lifecycle.live_streak(fan.streak, fan.last_checkin_date, fan_today),
        has_redeemed=any(count > 0 for count in fan.redeemed.values()),
        now=at,
        today=days.local_day(at, community),
        rules=settings.lifecycle_rules,
    )


def decide(fan: fans.Fan, at: datetime, context: Context | None = None) -> fan_update.Decision[Counts]:
    """Only a change is written; assessing again the same day finds nothing to change."""
    found = assessed(fan, at)
    if (found.stage, found.at_risk) == (fan.lifecycle_stage, fan.at_risk):
        return fan_update.Decision({f"stage_{found.stage}": 1, "unchanged": 1})
    counts = {f"stage_{found.stage}": 1, "changed": 1}
    if found.stage != fan.lifecycle_stage:
        counts[f"to_{found.stage}"] = 1
    after = replace(fan, lifecycle_stage=found.stage, at_risk=found.at_risk, lifecycle_assessed_at=at)
    return fan_update.Decision(counts, fans.touch(fan, after, at))


JOB = Job("update-lifecycle", decide, hour=0)  # daily from 00:00 community time, after the tiers
