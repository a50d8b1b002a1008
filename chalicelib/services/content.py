"""Fan-made content: publication (with its author's award), deletion (taking it back) and moderation flags."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.platform_events import ContentDeleted, ContentFlagged, ContentPublished
from chalicelib.observability import count
from chalicelib.persistence import content as stored_content
from chalicelib.persistence.conflicts import EngagementTaken, LinkChanged
from chalicelib.persistence.deliveries import DeliveryWrite
from chalicelib.services import awards, identity_cache
from chalicelib.services.deliveries import Actor, Delivery, Result, actor, attempts, commit, new_write, relinked
from chalicelib.services.engagements import reverse


def publish(delivery: Delivery, data: ContentPublished, now: datetime) -> Result:
    """Fan-made content: remember its author (for self-engagement), award the author if linked."""
    acting = actor(delivery, data.external_user_id, data.content_id, now)
    if acting is None:
        return "duplicate"
    state = {"actor": acting}

    def step() -> Result | None:
        try:
            _publish_once(delivery, data, state["actor"], now)
        except LinkChanged:
            state["actor"] = relinked(delivery, data.external_user_id, state["actor"])
            return None
        identity_cache.remember_author(delivery.platform, data.content_id, data.external_user_id)
        count("ContentPublished")
        return "accepted"

    return attempts(step)


def _publish_once(delivery: Delivery, data: ContentPublished, acting: Actor, now: datetime) -> None:
    def content_only() -> DeliveryWrite:
        write = new_write(delivery, now)
        write.content_published(data.content_id, data.external_user_id, data.published_at, data.title)
        return write

    first_author = acting.author in (None, data.external_user_id)
    if acting.fan_id is None or not first_author:
        content_only().commit()
        return
    fan_id = acting.fan_id

    def build(award: awards.Award) -> DeliveryWrite:
        write = content_only()
        write.engagement(
            data.content_id,
            data.external_user_id,
            "published",
            fan_id,
            award.points,
            data.published_at,
            deferred=award.deferred,
        )
        return write

    ref = f"{delivery.platform}:published:{data.content_id}"
    event = awards.Event(fan_id, data.external_user_id, "published", data.published_at, ref)
    try:
        award = awards.grant(event, acting.fan, acting.fresh, now, build)
    except EngagementTaken:
        content_only().commit()  # a republication: the content alone is written, nothing earned again
        return
    awards.landed(award, event)


def delete(delivery: Delivery, data: ContentDeleted, now: datetime) -> Result:
    """Deleted content loses the points its publication earned its author."""
    found = stored_content.content(delivery.platform, data.content_id)
    author = found.author if found else None

    def mark(write: DeliveryWrite) -> None:
        write.content_deleted(data.content_id)

    if author is None:
        return attempts(lambda: commit(new_write(delivery, now), mark))
    return reverse(delivery, "published", data.content_id, author, now, now, mark)


def flag(delivery: Delivery, data: ContentFlagged, now: datetime) -> Result:
    """Moderation flags are kept on the content with their severity, for the risk alerts to act on."""

    def mark(write: DeliveryWrite) -> None:
        write.content_flagged(data.content_id, data.severity, data.reason)

    result = attempts(lambda: commit(new_write(delivery, now), mark))
    if result == "accepted":
        count("ContentFlagged", severity=data.severity)
    return result
