"""Reading a fan's profile (with tier progress against the newest cut-offs) and changing their time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import activity, days, ranking
from chalicelib.domain import fan as fans
from chalicelib.domain.errors import FanNotFound
from chalicelib.domain.tiers import RECALCULATION_JOB, Tier
from chalicelib.persistence import job_runs
from chalicelib.services import fan_update, rankings
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Profile:
    fan: fans.Fan
    progress: ranking.TierProgress


def fan_state(fan_id: str) -> fans.Fan:
    """A fan who has never earned anything still has a (zero) state; reading writes nothing."""
    return fan_update.read(fan_id)


def profile(fan_id: str, now: datetime) -> Profile:
    """One request: the fan's read, joined by the cut-offs when this process does not remember them."""
    remembered, ranked = rankings.known()
    if remembered:
        fan = fan_update.read(fan_id)
    else:
        latest, stored = job_runs.latest_with_fan(RECALCULATION_JOB, fan_id)
        ranked = rankings.remember(latest)
        fan = fan_update.adopt(fan_id, stored)
    return Profile(fan, progress(fan, ranked, now))


def existing_profile(fan_id: str, now: datetime) -> Profile:
    found = profile(fan_id, now)
    if not found.fan.stored:
        raise FanNotFound(f"No fan {fan_id} has used the service yet.")
    return found


def change_time_zone(fan_id: str, zone_name: str, now: datetime) -> Profile:
    settings = get_settings()

    def decide(fan: fans.Fan) -> fan_update.Decision[fans.Fan]:
        change = fans.change_time_zone(
            fan, zone_name, now, settings.time_zone_change_days, settings.community_time_zone
        )
        return fan_update.Decision(change.fan if change else fan, change)

    fan = fan_update.update(fan_id, decide)
    return Profile(fan, progress(fan, _ranking(), now))


def _ranking() -> ranking.Ranking | None:
    remembered, ranked = rankings.known()
    if remembered:
        return ranked
    return rankings.remember(job_runs.latest(RECALCULATION_JOB))


def progress(fan: fans.Fan, ranked: ranking.Ranking | None, now: datetime) -> ranking.TierProgress:
    settings = get_settings()
    score = activity.score(fan.activity, now, settings.score_rules)
    today = days.local_day(now, settings.community_time_zone)
    tier: Tier = fan.tier  # type: ignore[assignment]
    return ranking.tier_progress(tier, score, ranked, fan.tier_warning, today)
