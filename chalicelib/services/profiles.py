"""Reading a fan's profile and changing their time zone."""

from __future__ import annotations

import uuid
from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import FanNotFound, Unavailable
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import StaleFan
from chalicelib.services import fan_cache
from chalicelib.settings import get_settings


def profile(fan_id: str) -> fans.Fan:
    """A fan who has never earned anything still has a (zero) profile; reading writes nothing."""
    fan = reads.fan(fan_id)
    if fan is None:
        return fans.Fan(fan_id)
    fan_cache.remember(fan)
    return fan


def existing_profile(fan_id: str) -> fans.Fan:
    fan = reads.fan(fan_id)
    if fan is None:
        raise FanNotFound(f"No fan {fan_id} has used the service yet.")
    return fan


def change_time_zone(fan_id: str, zone_name: str, now: datetime) -> fans.Fan:
    settings = get_settings()
    fan = reads.fan(fan_id) or fans.Fan(fan_id)
    for _ in range(settings.write_attempts):
        change = fans.change_time_zone(fan, zone_name, now, settings.time_zone_change_days)
        if change is None:
            return fan
        try:
            token = uuid.uuid4().hex
            writes.commit_fan_change(change, None, now, token)
        except StaleFan as stale:
            if not stale.written_by(token):
                fan = stale.current or fans.Fan(fan_id)
                continue  # otherwise our own write landed and only its response was lost
        fan_cache.remember(change.fan)
        return change.fan
    raise Unavailable("Too many concurrent changes to this fan; retry shortly.")
