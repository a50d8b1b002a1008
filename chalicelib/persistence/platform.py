"""Reads and writes for content-platform deliveries: dedupe records, links, content, engagements, stats.

A delivery's effects are one transaction with its dedupe record, so a delivery has exactly one
effect however often it arrives.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactGet

from chalicelib.domain.engagement import PendingAward
from chalicelib.domain.fan import Fan, FanChange
from chalicelib.persistence import codec
from chalicelib.persistence.conflicts import raise_for
from chalicelib.persistence.connection import transaction_connection
from chalicelib.persistence.models import (
    ContentModel,
    ContentStatsModel,
    EngagementModel,
    FanModel,
    LinkModel,
    WebhookDeliveryModel,
)
from chalicelib.persistence.reads import resolve
from chalicelib.persistence.transaction import Cancelled, Transaction, with_retries
from chalicelib.persistence.writes import add_fan_change


def delivery_id(platform: str, webhook_id: str) -> str:
    return f"{platform}#{webhook_id}"


def link_id(platform: str, external_user_id: str) -> str:
    return f"{platform}#{external_user_id}"


def content_key(platform: str, content_id: str) -> str:
    return f"{platform}#{content_id}"


def engagement_key(platform: str, content_id: str, external_user_id: str, kind: str) -> str:
    return f"{platform}#{content_id}#{external_user_id}#{kind}"


def shard_of(external_user_id: str, shards: int) -> int:
    """A user always maps to the same shard, so their marker there is unique."""
    return zlib.crc32(external_user_id.encode()) % shards


@dataclass(frozen=True)
class Content:
    author: str | None
    flag_severity: str | None
    flag_reason: str | None
    deleted: bool


@dataclass(frozen=True)
class Engagement:
    fan_id: str | None
    points: int
    occurred_at: str
    reversed: bool
    deferred: bool


@dataclass(frozen=True)
class DeliveryContext:
    duplicate: bool
    linked_fan: str | None
    content: Content | None
    fan: Fan | None


def _content(item: ContentModel) -> Content:
    return Content(item.author, item.flag_severity, item.flag_reason, item.deleted_at is not None)


def delivery_context(
    platform: str,
    webhook_id: str,
    now: datetime,
    *,
    link_of: str | None = None,
    content_id: str | None = None,
    fan_id: str | None = None,
) -> DeliveryContext:
    """Dedupe record and whichever of link, content and fan are asked for, in one consistent request."""

    def read() -> DeliveryContext:
        with TransactGet(connection=transaction_connection()) as tx:
            delivery_f = tx.get(WebhookDeliveryModel, delivery_id(platform, webhook_id))
            link_f = tx.get(LinkModel, link_id(platform, link_of)) if link_of else None
            content_f = tx.get(ContentModel, content_key(platform, content_id)) if content_id else None
            fan_f = tx.get(FanModel, fan_id) if fan_id else None
        delivery = resolve(delivery_f, lambda item: item)
        link = resolve(link_f, lambda item: item) if link_f else None
        duplicate = delivery is not None and float(delivery.expires_at) > now.timestamp()
        return DeliveryContext(
            duplicate,
            link.fan_id if link else None,
            resolve(content_f, _content) if content_f else None,
            resolve(fan_f, codec.fan_from_item) if fan_f else None,
        )

    return with_retries(read)


def linked_fan(platform: str, external_user_id: str) -> str | None:
    def read() -> str | None:
        try:
            return str(LinkModel.get(link_id(platform, external_user_id), consistent_read=True).fan_id)
        except DoesNotExist:
            return None

    return with_retries(read)


def engagement(platform: str, content_id: str, external_user_id: str, kind: str) -> Engagement | None:
    def read() -> Engagement | None:
        try:
            item = EngagementModel.get(
                engagement_key(platform, content_id, external_user_id, kind), consistent_read=True
            )
        except DoesNotExist:
            return None
        return Engagement(
            item.fan_id, int(item.points), item.occurred_at, item.reversed_at is not None, bool(item.deferred)
        )

    return with_retries(read)


def content(platform: str, content_id: str) -> Content | None:
    def read() -> Content | None:
        try:
            return _content(ContentModel.get(content_key(platform, content_id), consistent_read=True))
        except DoesNotExist:
            return None

    return with_retries(read)


@dataclass(frozen=True)
class ContentMetrics:
    author: str | None
    counts: dict[str, float]
    unique_engaged: int
    content: Content | None


def content_metrics(platform: str, content_id: str, shards: int) -> ContentMetrics:
    """Sum every user's counters over every shard; reads are rare (dashboards), so they pay for cheap writes."""
    key = content_key(platform, content_id)

    def read() -> ContentMetrics:
        counts: dict[str, float] = {"liked": 0, "commented": 0, "shared": 0, "viewed": 0, "completion_sum": 0.0}
        unique = 0
        for n in range(shards):
            for item in ContentStatsModel.query(
                f"{key}#{n:02d}", ContentStatsModel.item.startswith("user#"), consistent_read=True
            ):
                for name in counts:
                    counts[name] += float(getattr(item, name) or 0)
                unique += 1 if (item.events or 0) > 0 else 0
        try:
            content: Content | None = _content(ContentModel.get(key, consistent_read=True))
        except DoesNotExist:
            content = None
        return ContentMetrics(content.author if content else None, counts, unique, content)

    return with_retries(read)


class DeliveryWrite:
    """Collects one delivery's effects; `commit` writes them with the dedupe record, atomically."""

    def __init__(self, platform: str, webhook_id: str, event_type: str, now: datetime, keep_days: int) -> None:
        self.platform, self.now = platform, now
        self._tx = Transaction()
        self._delivery = WebhookDeliveryModel(
            delivery_id(platform, webhook_id),
            type=event_type,
            received_at=now,
            expires_at=int((now + timedelta(days=keep_days)).timestamp()),
            ttl=now + timedelta(days=keep_days),
        )

    def fan(self, change: FanChange, change_token: str) -> None:
        self._delivery.fan_id = change.fan.fan_id
        self._delivery.points = change.entry.delta if change.entry else 0
        add_fan_change(self._tx, change, change_token)

    def defer_award(self, fan_id: str, award: PendingAward, max_pending: int) -> None:
        """Append to the fan's pending awards without having read the fan (see engagement.settle).

        The version bump makes any write based on an earlier read fail and re-read, so that no
        write can drop the appended award. A missing fan or a full list fails and is read instead.
        """
        self._delivery.fan_id = fan_id
        appended = (FanModel.pending | []).append([codec.pending_to_attribute(award)])
        self._tx.update(
            "fan",
            FanModel(fan_id),
            [FanModel.pending.set(appended), FanModel.version.add(1)],
            FanModel.fan_id.exists() & (FanModel.pending.does_not_exist() | (size(FanModel.pending) < max_pending)),
        )

    def guard_link(self, external_user_id: str, fan_id: str) -> None:
        """The cached link must still hold when the points land."""
        key = link_id(self.platform, external_user_id)
        self._tx.check("link_guard", LinkModel, key, LinkModel.fan_id == fan_id)

    def link(self, external_user_id: str, fan_id: str) -> None:
        item = LinkModel(
            link_id(self.platform, external_user_id),
            platform=self.platform,
            external_user_id=external_user_id,
            fan_id=fan_id,
            linked_at=self.now,
        )
        self._tx.put("link", item, LinkModel.link_id.does_not_exist() | (LinkModel.fan_id == fan_id))

    def unlink(self, external_user_id: str, fan_id: str) -> None:
        self._tx.delete("unlink", LinkModel(link_id(self.platform, external_user_id)), LinkModel.fan_id == fan_id)

    def content_published(self, content_id: str, author: str, published_at: datetime, title: str | None) -> None:
        """The first author and publication time stick; a republish cannot change who made it."""
        actions: list[Action] = [
            ContentModel.author.set(ContentModel.author | author),
            ContentModel.published_at.set(ContentModel.published_at | published_at),
        ]
        if title:
            actions.append(ContentModel.title.set(title))
        self._content(content_id, actions)

    def content_deleted(self, content_id: str) -> None:
        self._content(content_id, [ContentModel.deleted_at.set(self.now)])

    def content_flagged(self, content_id: str, severity: str, reason: str) -> None:
        self._content(
            content_id,
            [
                ContentModel.flag_severity.set(severity),
                ContentModel.flag_reason.set(reason),
                ContentModel.flagged_at.set(self.now),
            ],
        )

    def _content(self, content_id: str, actions: list[Action]) -> None:
        self._tx.update("content", ContentModel(content_key(self.platform, content_id)), actions)

    def engagement(
        self,
        content_id: str,
        external_user_id: str,
        kind: str,
        fan_id: str | None,
        points: int,
        occurred_at: str,
        deferred: bool = False,
    ) -> None:
        """Record a reversible action; refused while an earlier one is active or a later undo exists."""
        item = EngagementModel(
            engagement_key(self.platform, content_id, external_user_id, kind),
            fan_id=fan_id,
            points=points,
            occurred_at=occurred_at,
            deferred=deferred or None,
        )
        free = EngagementModel.engagement_key.does_not_exist() | (
            EngagementModel.reversed_at.exists() & (EngagementModel.occurred_at < occurred_at)
        )
        self._tx.put("engagement", item, free)

    def reverse_engagement(
        self, content_id: str, external_user_id: str, kind: str, occurred_at: str, expected: Engagement | None
    ) -> None:
        """Mark the action undone, or leave a tombstone so that an older action arriving later earns nothing.

        Conditioned on the record we read, so two undos, or an undo racing a new action, cannot both apply.
        """
        key = EngagementModel(engagement_key(self.platform, content_id, external_user_id, kind))
        seen = (
            EngagementModel.engagement_key.does_not_exist()
            if expected is None
            else EngagementModel.reversed_at.does_not_exist() & (EngagementModel.occurred_at == expected.occurred_at)
        )
        self._tx.update(
            "engagement",
            key,
            [
                EngagementModel.reversed_at.set(occurred_at),
                EngagementModel.occurred_at.set(occurred_at),
                EngagementModel.points.set(EngagementModel.points | 0),
            ],
            seen,
        )

    def stats(
        self,
        content_id: str,
        external_user_id: str,
        shards: int,
        kind: str,
        delta: int,
        completion: float | None = None,
    ) -> None:
        """Counts go on the user's own item, so no item is shared by everyone engaging with viral content."""
        shard = f"{content_key(self.platform, content_id)}#{shard_of(external_user_id, shards):02d}"
        actions: list[Action] = [getattr(ContentStatsModel, kind).add(delta)]
        if completion is not None:
            actions.append(ContentStatsModel.completion_sum.add(completion))
        if delta > 0:
            actions.append(ContentStatsModel.events.add(1))
        self._tx.update("stats", ContentStatsModel(shard, f"user#{external_user_id}"), actions)

    def commit(self) -> None:
        free = WebhookDeliveryModel.delivery_id.does_not_exist() | (
            WebhookDeliveryModel.expires_at < int(self.now.timestamp())
        )
        self._tx.put("delivery", self._delivery, free)
        try:
            self._tx.commit()
        except Cancelled as cancelled:
            raise_for(cancelled)


def commit_unlink(platform: str, external_user_id: str, change: FanChange, change_token: str) -> None:
    """An operator's unlink: the link goes and the fan's profile forgets it, together."""
    tx = Transaction()
    tx.delete("link", LinkModel(link_id(platform, external_user_id)), LinkModel.fan_id == change.fan.fan_id)
    add_fan_change(tx, change, change_token)
    try:
        tx.commit()
    except Cancelled as cancelled:
        raise_for(cancelled)
