"""Likes, comments, shares and views: metrics always, points for linked fans within the rules, and unlikes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import cast

from chalicelib.domain import engagement
from chalicelib.domain import fan as fans
from chalicelib.domain.platform_events import Engaged
from chalicelib.observability import logger
from chalicelib.persistence import platform
from chalicelib.persistence.conflicts import EngagementTaken, LinkChanged, StaleFan
from chalicelib.services import awards, fan_cache, identity_cache
from chalicelib.services.deliveries import Delivery, Result, actor, attempts, fan_state, new_write
from chalicelib.settings import get_settings


def engage(delivery: Delivery, kind: engagement.Kind, data: Engaged, now: datetime) -> Result:
    """A like, comment, share or view: content metrics always; points for a linked fan within caps."""
    settings = get_settings()
    acting = actor(delivery, data.external_user_id, data.content_id, now)
    if acting is None:
        return "duplicate"
    state: dict[str, object] = {"fan_id": acting.fan_id, "fan": acting.fan, "repeat_like": False}
    ref = f"{delivery.platform}:{kind}:{data.content_id}"
    occurred = data.occurred_at.isoformat()

    def step() -> Result | None:
        fan_id, fan = cast(str | None, state["fan_id"]), cast(fans.Fan | None, state["fan"])
        write = new_write(delivery, now)
        token = uuid.uuid4().hex
        if state["repeat_like"]:
            write.commit()  # an already-active like: nothing to count or earn
            return "accepted"
        completion = data.completion if kind == "viewed" else None
        write.stats(data.content_id, data.external_user_id, settings.content_stat_shards, kind, 1, completion)
        award = None
        if fan_id is not None:
            award = awards.add(
                write,
                fan_id,
                fan,
                kind,
                data.occurred_at,
                now,
                ref,
                data.external_user_id,
                token,
                self_engagement=acting.author == data.external_user_id,
                completion=data.completion,
            )
        if kind == "liked":
            points, deferred = (award.points, award.deferred) if award else (0, False)
            write.engagement(
                data.content_id, data.external_user_id, "liked", fan_id, points, occurred, deferred=deferred
            )
        try:
            write.commit()
        except StaleFan as stale:
            if stale.written_by(token):
                return "accepted"
            state["fan"] = stale.current or fans.Fan(fan_id or "")
            return None
        except LinkChanged:
            identity_cache.forget_link(delivery.platform, data.external_user_id)
            state["fan_id"] = platform.linked_fan(delivery.platform, data.external_user_id)
            identity_cache.remember_link(delivery.platform, data.external_user_id, cast(str | None, state["fan_id"]))
            state["fan"] = fan_state(cast(str, state["fan_id"])) if state["fan_id"] else None
            return None
        except EngagementTaken:
            state["repeat_like"] = True
            return step()  # not contention: the delivery alone is written at once
        awards.landed(award, kind)
        return "accepted"

    return attempts(step)


def reverse(
    delivery: Delivery,
    kind: engagement.Kind,
    content_id: str,
    external_user_id: str,
    occurred: str,
    now: datetime,
    extra: Callable[[platform.DeliveryWrite], None],
) -> Result:
    """Take back what a like or publication earned, at most once and never below zero."""
    settings = get_settings()
    ref = f"{delivery.platform}:un{kind}:{content_id}"
    award_ref = f"{delivery.platform}:{kind}:{content_id}"

    def step() -> Result | None:
        record = platform.engagement(delivery.platform, content_id, external_user_id, kind)
        write = new_write(delivery, now)
        extra(write)
        token = uuid.uuid4().hex
        change = None
        if record is None or not record.reversed:
            write.reverse_engagement(content_id, external_user_id, kind, occurred, record)
        if record is not None and not record.reversed:
            if kind == "liked":
                write.stats(content_id, external_user_id, settings.content_stat_shards, "liked", -1)
            if record.fan_id and record.points > 0:
                fan = fan_state(record.fan_id)
                points = awards.earned(fan, award_ref) if record.deferred else record.points
                change, shortfall = engagement.reverse(fan, points, ref, now)
                write.fan(change, token)
                if shortfall:
                    logger.info("reversal exceeded balance", extra={"fan_id": fan.fan_id, "written_off": shortfall})
        try:
            write.commit()
        except StaleFan as stale:
            if stale.written_by(token):
                return "accepted"
            if stale.current is not None:
                fan_cache.remember(stale.current)
            return None
        except EngagementTaken:
            return None
        if change is not None:
            fan_cache.remember(change.fan)
        return "accepted"

    return attempts(step)


def unlike(delivery: Delivery, data: Engaged, now: datetime) -> Result:
    return reverse(
        delivery, "liked", data.content_id, data.external_user_id, data.occurred_at.isoformat(), now, lambda write: None
    )
