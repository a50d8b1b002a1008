"""Content-platform deliveries: each has exactly one effect, written with its dedupe record.

Engagement earns points only for linked fans, within daily caps in the fan's local day of the
event. Likes and publications are remembered so that `engagement.unliked` and `content.deleted`
can take back exactly what they earned (never below zero).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, cast

from chalicelib.domain import engagement
from chalicelib.domain import fan as fans
from chalicelib.domain.errors import DomainError, Unavailable
from chalicelib.domain.platform_events import (
    ENGAGEMENT_KINDS,
    AccountLinked,
    ContentDeleted,
    ContentFlagged,
    ContentPublished,
    Engaged,
)
from chalicelib.observability import count, logger
from chalicelib.persistence import platform, reads
from chalicelib.persistence.conflicts import (
    DuplicateDelivery,
    EngagementTaken,
    LinkChanged,
    OldLinkGone,
    StaleFan,
)
from chalicelib.services import fan_cache, identity_cache
from chalicelib.settings import get_settings

Result = Literal["accepted", "duplicate"]


class LinkConflict(DomainError):
    code, status, title = "link_conflict", 409, "Account already linked to another fan"


class LinkNotFound(DomainError):
    code, status, title = "link_not_found", 404, "No such linked account"


@dataclass(frozen=True)
class Delivery:
    platform: str
    webhook_id: str
    type: str


def _iso(instant: datetime) -> str:
    return instant.astimezone().isoformat() if instant.tzinfo is None else instant.isoformat()


def _attempts(step: Callable[[], Result | None]) -> Result:
    """Run a delivery step until it settles; each retry starts from what its conflict showed.

    A burst of events for one fan contends on the fan's version; a short jittered pause spreads
    the retries so that they stop colliding.
    """
    for attempt in range(get_settings().write_attempts + 2):
        try:
            result = step()
        except DuplicateDelivery:
            return "duplicate"
        if result is not None:
            return result
        time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise Unavailable("Too many concurrent changes; retry the delivery.")


def _fan(fan_id: str) -> fans.Fan:
    return fan_cache.get(fan_id) or reads.fan(fan_id) or fans.Fan(fan_id)


def _write(delivery: Delivery, now: datetime) -> platform.DeliveryWrite:
    settings = get_settings()
    return platform.DeliveryWrite(
        delivery.platform, delivery.webhook_id, delivery.type, now, settings.webhook_dedupe_days
    )


def ignore(delivery: Delivery, now: datetime) -> Result:
    """Unknown types are accepted (platforms add types) and remembered, so duplicates stay duplicates."""
    logger.info("ignored unknown webhook type", extra={"platform": delivery.platform, "type": delivery.type})
    return _attempts(lambda: _commit_plain(_write(delivery, now)))


def _commit_plain(write: platform.DeliveryWrite) -> Result:
    write.commit()
    return "accepted"


def link(delivery: Delivery, data: AccountLinked, now: datetime) -> Result:
    """The platform vouches that this account is this fan's. Moving it to another fan needs an operator."""
    state = {"fan": _fan(data.fan_id)}

    def step() -> Result | None:
        fan = state["fan"]
        previous = fan.linked_accounts.get(delivery.platform)
        write = _write(delivery, now)
        write.link(data.external_user_id, data.fan_id)
        token = uuid.uuid4().hex
        if previous != data.external_user_id:
            if previous is not None:
                write.unlink(previous, data.fan_id)
            accounts = {**fan.linked_accounts, delivery.platform: data.external_user_id}
            write.fan(fans.touch(fan, replace(fan, linked_accounts=accounts), now), token)
        try:
            write.commit()
        except LinkChanged:
            raise LinkConflict(
                f"{delivery.platform} account {data.external_user_id} is linked to another fan; "
                "an operator must unlink it first."
            ) from None
        except (StaleFan, OldLinkGone) as stale:
            if isinstance(stale, StaleFan) and stale.written_by(token):
                return "accepted"
            state["fan"] = reads.fan(data.fan_id) or fans.Fan(data.fan_id)
            return None
        identity_cache.remember_link(delivery.platform, data.external_user_id, data.fan_id)
        if previous and previous != data.external_user_id:
            identity_cache.forget_link(delivery.platform, previous)
        count("AccountsLinked")
        return "accepted"

    return _attempts(step)


def unlink(platform_name: str, external_user_id: str, now: datetime) -> str:
    """An operator's unlink, after which the account may be linked to another fan. Returns the fan id."""
    fan_id = platform.linked_fan(platform_name, external_user_id)
    if fan_id is None:
        raise LinkNotFound(f"{platform_name} account {external_user_id} is not linked.")
    fan = reads.fan(fan_id) or fans.Fan(fan_id)
    for _ in range(get_settings().write_attempts):
        accounts = {k: v for k, v in fan.linked_accounts.items() if k != platform_name}
        token = uuid.uuid4().hex
        try:
            platform.commit_unlink(
                platform_name, external_user_id, fans.touch(fan, replace(fan, linked_accounts=accounts), now), token
            )
        except StaleFan as stale:
            if not stale.written_by(token):
                fan = stale.current or fans.Fan(fan_id)
                continue
        except LinkChanged:
            raise LinkNotFound(f"{platform_name} account {external_user_id} is not linked to {fan_id}.") from None
        identity_cache.forget_link(platform_name, external_user_id)
        return fan_id
    raise Unavailable("Too many concurrent changes to this fan; retry shortly.")


@dataclass
class _Actor:
    """Who did it (if linked), and the content's author, learned from cache or one consistent read."""

    fan_id: str | None
    author: str | None


def _actor(delivery: Delivery, external_user_id: str, content_id: str, now: datetime) -> _Actor | None:
    """None when the delivery is a duplicate (found while reading)."""
    fan_id = identity_cache.linked_fan(delivery.platform, external_user_id)
    author = identity_cache.author(delivery.platform, content_id)
    if fan_id is not None and author is not None:
        return _Actor(fan_id, author)
    context = platform.delivery_context(delivery.platform, delivery.webhook_id, external_user_id, content_id, now)
    if context.duplicate:
        return None
    identity_cache.remember_link(delivery.platform, external_user_id, context.linked_fan)
    author = context.content.author if context.content else None
    identity_cache.remember_author(delivery.platform, content_id, author)
    return _Actor(context.linked_fan, author)


def engage(delivery: Delivery, kind: engagement.Kind, data: Engaged, now: datetime) -> Result:
    """A like, comment, share or view: content metrics always; points for a linked fan within caps."""
    settings = get_settings()
    actor = _actor(delivery, data.external_user_id, data.content_id, now)
    if actor is None:
        return "duplicate"
    fan = _fan(actor.fan_id) if actor.fan_id else None
    state: dict[str, object] = {"fan": fan, "fan_id": actor.fan_id, "repeat_like": False}
    ref = f"{delivery.platform}:{kind}:{data.content_id}"
    occurred = _iso(data.occurred_at)

    def step() -> Result | None:
        fan = cast(fans.Fan | None, state["fan"])
        write = _write(delivery, now)
        token = uuid.uuid4().hex
        if state["repeat_like"]:
            write.commit()  # an already-active like: nothing to count or earn
            return "accepted"
        completion = data.completion if kind == "viewed" else None
        write.stats(data.content_id, data.external_user_id, settings.content_stat_shards, kind, 1, completion)
        decision = None
        if fan is not None:
            decision = engagement.decide(
                fan,
                kind,
                data.occurred_at,
                now,
                settings.community_time_zone,
                settings.engagement_rules,
                self_engagement=actor.author == data.external_user_id,
                completion=data.completion,
            )
            change = engagement.apply(fan, kind, decision, ref, now, settings.community_time_zone)
            if change is not None:
                write.fan(change, token)
                write.guard_link(data.external_user_id, fan.fan_id)
        if kind == "liked":
            points = decision.points if decision else 0
            write.engagement(
                data.content_id, data.external_user_id, "liked", fan.fan_id if fan else None, points, occurred
            )
        try:
            write.commit()
        except StaleFan as stale:
            if stale.written_by(token):
                return "accepted"
            state["fan"] = stale.current or fans.Fan(fan.fan_id if fan else "")
            return None
        except LinkChanged:
            identity_cache.forget_link(delivery.platform, data.external_user_id)
            fan_id = platform.linked_fan(delivery.platform, data.external_user_id)
            identity_cache.remember_link(delivery.platform, data.external_user_id, fan_id)
            state["fan"] = _fan(fan_id) if fan_id else None
            return None
        except EngagementTaken:
            state["repeat_like"] = True
            return None
        if fan is not None and decision is not None:
            change_fan = engagement.apply(fan, kind, decision, ref, now, settings.community_time_zone)
            if change_fan is not None:
                fan_cache.remember(change_fan.fan)
            count("PointsAwarded", decision.points, kind=kind)
            if decision.reason == "capped":
                count("EngagementCapped", kind=kind)
        return "accepted"

    return _attempts(step)


def _reverse(
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

    def step() -> Result | None:
        record = platform.engagement(delivery.platform, content_id, external_user_id, kind)
        write = _write(delivery, now)
        extra(write)
        token = uuid.uuid4().hex
        if record is None or not record.reversed:
            write.reverse_engagement(content_id, external_user_id, kind, occurred, record)
        if record is not None and not record.reversed:
            if kind == "liked":
                write.stats(content_id, external_user_id, settings.content_stat_shards, "liked", -1)
            if record.fan_id and record.points > 0:
                fan = _fan(record.fan_id)
                change, shortfall = engagement.reverse(fan, record.points, ref, now)
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
        return "accepted"

    return _attempts(step)


def unlike(delivery: Delivery, data: Engaged, now: datetime) -> Result:
    return _reverse(
        delivery, "liked", data.content_id, data.external_user_id, _iso(data.occurred_at), now, lambda write: None
    )


def publish(delivery: Delivery, data: ContentPublished, now: datetime) -> Result:
    """Fan-made content: remember its author (for self-engagement), award the author if linked."""
    settings = get_settings()
    actor = _actor(delivery, data.external_user_id, data.content_id, now)
    if actor is None:
        return "duplicate"
    state: dict[str, object] = {"fan": _fan(actor.fan_id) if actor.fan_id else None, "republished": False}
    ref = f"{delivery.platform}:published:{data.content_id}"

    def step() -> Result | None:
        fan = cast(fans.Fan | None, state["fan"])
        write = _write(delivery, now)
        write.content_published(data.content_id, data.external_user_id, data.published_at, data.title)
        token = uuid.uuid4().hex
        if fan is not None and not state["republished"] and actor.author in (None, data.external_user_id):
            decision = engagement.decide(
                fan, "published", data.published_at, now, settings.community_time_zone, settings.engagement_rules
            )
            change = engagement.apply(fan, "published", decision, ref, now, settings.community_time_zone)
            if change is not None:
                write.fan(change, token)
                write.guard_link(data.external_user_id, fan.fan_id)
            write.engagement(
                data.content_id,
                data.external_user_id,
                "published",
                fan.fan_id,
                decision.points,
                _iso(data.published_at),
            )
        try:
            write.commit()
        except StaleFan as stale:
            if stale.written_by(token):
                return "accepted"
            state["fan"] = stale.current
            return None
        except EngagementTaken:
            state["republished"] = True
            return None
        except LinkChanged:
            identity_cache.forget_link(delivery.platform, data.external_user_id)
            state["fan"] = None
            return None
        identity_cache.remember_author(delivery.platform, data.content_id, data.external_user_id)
        count("ContentPublished")
        return "accepted"

    return _attempts(step)


def delete(delivery: Delivery, data: ContentDeleted, now: datetime) -> Result:
    """Deleted content loses the points its publication earned its author."""
    found = platform.content(delivery.platform, data.content_id)
    author = found.author if found else None

    def mark(write: platform.DeliveryWrite) -> None:
        write.content_deleted(data.content_id)

    if author is None:
        return _attempts(lambda: _commit_with(mark, _write(delivery, now)))
    return _reverse(delivery, "published", data.content_id, author, now.isoformat(), now, mark)


def _commit_with(extra: Callable[[platform.DeliveryWrite], None], write: platform.DeliveryWrite) -> Result:
    extra(write)
    write.commit()
    return "accepted"


def flag(delivery: Delivery, data: ContentFlagged, now: datetime) -> Result:
    """Moderation flags are kept on the content with their severity, for the risk alerts to act on."""

    def mark(write: platform.DeliveryWrite) -> None:
        write.content_flagged(data.content_id, data.severity, data.reason)

    result = _attempts(lambda: _commit_with(mark, _write(delivery, now)))
    if result == "accepted":
        count("ContentFlagged", severity=data.severity)
    return result


def handle(delivery: Delivery, data: object, now: datetime) -> Result:
    """Route a verified, parsed delivery to its use case."""
    kind = ENGAGEMENT_KINDS.get(delivery.type)
    if kind is not None and isinstance(data, Engaged):
        return engage(delivery, cast(engagement.Kind, kind), data, now)
    if isinstance(data, AccountLinked):
        return link(delivery, data, now)
    if isinstance(data, ContentPublished):
        return publish(delivery, data, now)
    if isinstance(data, Engaged) and delivery.type == "engagement.unliked":
        return unlike(delivery, data, now)
    if isinstance(data, ContentDeleted):
        return delete(delivery, data, now)
    if isinstance(data, ContentFlagged):
        return flag(delivery, data, now)
    return ignore(delivery, now)


def content_metrics(platform_name: str, content_id: str) -> platform.ContentMetrics:
    return platform.content_metrics(platform_name, content_id, get_settings().content_stat_shards)
