"""Reading a fan's profile and changing their time zone."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import FanNotFound
from chalicelib.services import fan_update
from chalicelib.settings import get_settings


def profile(fan_id: str) -> fans.Fan:
    """A fan who has never earned anything still has a (zero) profile; reading writes nothing."""
    return fan_update.read(fan_id)


def existing_profile(fan_id: str) -> fans.Fan:
    fan = fan_update.read(fan_id)
    if not fan.stored:
        raise FanNotFound(f"No fan {fan_id} has used the service yet.")
    return fan


def change_time_zone(fan_id: str, zone_name: str, now: datetime) -> fans.Fan:
    settings = get_settings()

    def decide(fan: fans.Fan) -> fan_update.Decision[fans.Fan]:
        change = fans.change_time_zone(
            fan, zone_name, now, settings.time_zone_change_days, settings.community_time_zone
        )
        return fan_update.Decision(change.fan if change else fan, change)

    return fan_update.update(fan_id, decide)
