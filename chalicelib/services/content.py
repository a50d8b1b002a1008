"""Fan-made content: publication (with its author's award), deletion (taking it back) and moderation flags."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from chalicelib.domain import fan as fans
from chalicelib.domain.platform_events import ContentDeleted, ContentFlagged, ContentPublished
from chalicelib.observability import count
from chalicelib.persistence import platform
from chalicelib.persistence.conflicts import EngagementTaken, LinkChanged, StaleFan
from chalicelib.services import awards, identity_cache
from chalicelib.services.deliveries import Delivery, Result, actor, attempts, commit, new_write
from chalicelib.services.engagements import reverse


def publish(delivery: Delivery, data: ContentPublished, now: datetime) -> Result:
    """Fan-made content: remember its author (for self-engagement), award the author if linked."""
    acting = actor(delivery, data.external_user_id, data.content_id, now)
    if acting is None:
        return "duplicate"
    state: dict[str, object] = {"fan_id": acting.fan_id, "fan": acting.fan, "republished": False}
    ref = f"{delivery.platform}:published:{data.content_id}"

    def step() -> Result | None:
        fan_id, fan = cast(str | None, state["fan_id"]), cast(fans.Fan | None, state["fan"])
        write = new_write(delivery, now)
        write.content_published(data.content_id, data.external_user_id, data.published_at, data.title)
        token = uuid.uuid4().hex
        award = None
        if fan_id is not None and not state["republished"] and acting.author in (None, data.external_user_id):
            award = awards.add(
                write, fan_id, fan, "published", data.published_at, now, ref, data.external_user_id, token
            )
            write.engagement(
                data.content_id,
                data.external_user_id,
                "published",
                fan_id,
                award.points,
                data.published_at.isoformat(),
                deferred=award.deferred,
            )
        try:
            write.commit()
        except StaleFan as stale:
            if stale.written_by(token):
                return "accepted"
            state["fan"] = stale.current or fans.Fan(fan_id or "")
            return None
        except EngagementTaken:
            state["republished"] = True
            return step()  # not contention: the content alone is written at once
        except LinkChanged:
            identity_cache.forget_link(delivery.platform, data.external_user_id)
            state["fan_id"], state["fan"] = None, None
            return None
        awards.landed(award, "published")
        identity_cache.remember_author(delivery.platform, data.content_id, data.external_user_id)
        count("ContentPublished")
        return "accepted"

    return attempts(step)


def delete(delivery: Delivery, data: ContentDeleted, now: datetime) -> Result:
    """Deleted content loses the points its publication earned its author."""
    found = platform.content(delivery.platform, data.content_id)
    author = found.author if found else None

    def mark(write: platform.DeliveryWrite) -> None:
        write.content_deleted(data.content_id)

    if author is None:
        return attempts(lambda: commit(new_write(delivery, now), mark))
    return reverse(delivery, "published", data.content_id, author, now.isoformat(), now, mark)


def flag(delivery: Delivery, data: ContentFlagged, now: datetime) -> Result:
    """Moderation flags are kept on the content with their severity, for the risk alerts to act on."""

    def mark(write: platform.DeliveryWrite) -> None:
        write.content_flagged(data.content_id, data.severity, data.reason)

    result = attempts(lambda: commit(new_write(delivery, now), mark))
    if result == "accepted":
        count("ContentFlagged", severity=data.severity)
    return result
