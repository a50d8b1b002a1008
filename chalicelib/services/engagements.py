"""Likes, comments, shares and views: metrics always, points for linked fans within the rules, and unlikes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.domain import engagement
from chalicelib.domain import fan as fans
from chalicelib.domain.platform_events import Engaged
from chalicelib.observability import count, logger
from chalicelib.persistence import content as stored_content
from chalicelib.persistence.conflicts import EngagementTaken, LinkChanged
from chalicelib.persistence.deliveries import DeliveryWrite
from chalicelib.services import awards, fan_update
from chalicelib.services.deliveries import Actor, Delivery, Result, actor, attempts, new_write, relinked
from chalicelib.settings import get_settings


def engage(delivery: Delivery, kind: engagement.Kind, data: Engaged, now: datetime) -> Result:
    """A like, comment, share or view: content metrics always; points for a linked fan within caps."""
    acting = actor(delivery, data.external_user_id, data.content_id, now)
    if acting is None:
        return "duplicate"
    state = {"actor": acting}

    def step() -> Result | None:
        try:
            _engage_once(delivery, kind, data, state["actor"], now)
        except LinkChanged:
            state["actor"] = relinked(delivery, data.external_user_id, state["actor"])
            return None
        return "accepted"

    result = attempts(step)
    if result == "accepted" and engagement.is_backdated(data.occurred_at, now):
        count("EngagementsBackdated", kind=kind)
    return result


def _engage_once(delivery: Delivery, kind: engagement.Kind, data: Engaged, acting: Actor, now: datetime) -> None:
    shards = get_settings().content_stat_shards
    completion = data.completion if kind == "viewed" else None

    def build(award: awards.Award | None) -> DeliveryWrite:
        write = new_write(delivery, now)
        write.stats(data.content_id, data.external_user_id, shards, kind, 1, completion, data.occurred_at)
        if kind == "liked":
            points, deferred = (award.points, award.deferred) if award else (0, False)
            write.engagement(
                data.content_id, data.external_user_id, "liked", acting.fan_id, points, data.occurred_at, deferred
            )
        return write

    if acting.fan_id is None:
        _commit_or_repeat(build(None), delivery, now)
        return
    event = awards.Event(
        acting.fan_id,
        data.external_user_id,
        kind,
        data.occurred_at,
        f"{delivery.platform}:{kind}:{data.content_id}",
        (delivery.platform, acting.author) if acting.author else None,
        data.completion,
    )
    try:
        award = awards.grant(event, acting.fan, acting.fresh, now, build)
    except EngagementTaken:
        new_write(delivery, now).commit()  # an already-active like: nothing to count or earn
        return
    awards.landed(award, event)


def _commit_or_repeat(write: DeliveryWrite, delivery: Delivery, now: datetime) -> None:
    try:
        write.commit()
    except EngagementTaken:
        new_write(delivery, now).commit()


def reverse(
    delivery: Delivery,
    kind: engagement.Kind,
    content_id: str,
    external_user_id: str,
    occurred: datetime,
    now: datetime,
    extra: Callable[[DeliveryWrite], None],
) -> Result:
    """Take back what a like or publication earned, at most once and never below zero."""
    shards = get_settings().content_stat_shards
    ref = f"{delivery.platform}:un{kind}:{content_id}"
    award_ref = f"{delivery.platform}:{kind}:{content_id}"

    def step() -> Result | None:
        record = stored_content.engagement(delivery.platform, content_id, external_user_id, kind)
        active = record is not None and not record.reversed

        def build() -> DeliveryWrite:
            write = new_write(delivery, now)
            extra(write)
            if record is None or not record.reversed:
                write.reverse_engagement(content_id, external_user_id, kind, occurred, record)
            if active and kind == "liked":
                write.stats(content_id, external_user_id, shards, "liked", -1)
            return write

        try:
            if record is None or not active or record.fan_id is None or record.points <= 0:
                build().commit()
                return "accepted"
            _take_back(record.fan_id, record.deferred, record.points, award_ref, ref, now, build)
        except EngagementTaken:
            return None
        return "accepted"

    return attempts(step)


def _take_back(
    fan_id: str,
    deferred: bool,
    recorded: int,
    award_ref: str,
    ref: str,
    now: datetime,
    build: Callable[[], DeliveryWrite],
) -> None:
    def decide(fan: fans.Fan) -> fan_update.Decision[int]:
        points = awards.earned(fan, award_ref) if deferred else recorded
        change, shortfall = engagement.reverse(fan, points, ref, now)
        return fan_update.Decision(shortfall, change)

    def commit(decision: fan_update.Decision[int], token: str) -> None:
        write = build()
        if decision.change is not None:
            write.fan(decision.change, token)
        write.commit()

    shortfall = fan_update.update(fan_id, decide, commit)
    if shortfall:
        logger.info("reversal exceeded balance", extra={"fan_id": fan_id, "written_off": shortfall})


def unlike(delivery: Delivery, data: Engaged, now: datetime) -> Result:
    return reverse(
        delivery, "liked", data.content_id, data.external_user_id, data.occurred_at, now, lambda write: None
    )
