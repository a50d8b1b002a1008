"""Webhook deliveries: the dedupe record with every effect of one delivery, in one transaction.

A delivery's effects are one transaction with its dedupe record, so a delivery has exactly one
effect however often it arrives. `delivery_context` is the one consistent read a delivery may need.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactGet

from chalicelib.domain.fan import FanChange
from chalicelib.domain.settlement import PendingAward, StoredFan
from chalicelib.persistence import codec, flag_records, items, keys
from chalicelib.persistence.conflicts import raise_for
from chalicelib.persistence.connection import transaction_connection
from chalicelib.persistence.content import Content, Engagement, content_from_item
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


def shard_of(external_user_id: str, shards: int) -> int:
    """A user always maps to the same shard, so their marker there is unique."""
    return zlib.crc32(external_user_id.encode()) % shards


@dataclass(frozen=True)
class DeliveryContext:
    duplicate: bool
    linked_fan: str | None
    content: Content | None
    fan: StoredFan | None


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
            delivery_f = tx.get(WebhookDeliveryModel, keys.delivery(platform, webhook_id))
            link_f = tx.get(LinkModel, keys.link(platform, link_of)) if link_of else None
            content_f = tx.get(ContentModel, keys.content(platform, content_id)) if content_id else None
            fan_f = tx.get(FanModel, fan_id) if fan_id else None
        delivery = resolve(delivery_f, lambda item: item)
        link = resolve(link_f, lambda item: item) if link_f else None
        duplicate = delivery is not None and float(delivery.expires_at) > now.timestamp()
        return DeliveryContext(
            duplicate,
            link.fan_id if link else None,
            resolve(content_f, content_from_item) if content_f else None,
            resolve(fan_f, codec.fan_from_item) if fan_f else None,
        )

    return with_retries(read)


class DeliveryWrite:
    """Collects one delivery's effects; `commit` writes them with the dedupe record, atomically."""

    def __init__(self, platform: str, webhook_id: str, event_type: str, now: datetime, keep_days: int) -> None:
        self.platform, self.now = platform, now
        self._tx = Transaction()
        self._delivery = WebhookDeliveryModel(
            keys.delivery(platform, webhook_id),
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
        """Append to the fan's pending awards without having read the fan (see settlement.settle).

        The version bump makes any write based on an earlier read fail and re-read, so that no
        write can drop the appended award. A missing fan or a full list fails and is read instead.
        """
        self._delivery.fan_id = fan_id
        appended = (FanModel.pending | []).append([codec.pending_to_attribute(award)])
        self._tx.update(
            items.FAN,
            FanModel(fan_id),
            [FanModel.pending.set(appended), FanModel.version.add(1)],
            FanModel.fan_id.exists() & (FanModel.pending.does_not_exist() | (size(FanModel.pending) < max_pending)),
        )

    def guard_link(self, external_user_id: str, fan_id: str) -> None:
        """The cached link must still hold when the points land."""
        key = keys.link(self.platform, external_user_id)
        self._tx.check(items.LINK_GUARD, LinkModel, key, LinkModel.fan_id == fan_id)

    def link(self, external_user_id: str, fan_id: str) -> None:
        item = LinkModel(
            keys.link(self.platform, external_user_id),
            platform=self.platform,
            external_user_id=external_user_id,
            fan_id=fan_id,
            linked_at=self.now,
        )
        self._tx.put(items.LINK, item, LinkModel.link_id.does_not_exist() | (LinkModel.fan_id == fan_id))

    def unlink(self, external_user_id: str, fan_id: str) -> None:
        self._tx.delete(items.UNLINK, LinkModel(keys.link(self.platform, external_user_id)), LinkModel.fan_id == fan_id)

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
        self._tx.put(items.FLAG_RECORD, flag_records.record(self.platform, content_id, severity, reason, self.now))

    def _content(self, content_id: str, actions: list[Action]) -> None:
        self._tx.update(items.CONTENT, ContentModel(keys.content(self.platform, content_id)), actions)

    def engagement(
        self,
        content_id: str,
        external_user_id: str,
        kind: str,
        fan_id: str | None,
        points: int,
        occurred_at: datetime,
        deferred: bool = False,
    ) -> None:
        """Record a reversible action; refused while an earlier one is active or a later undo exists.

        Times are compared as instants: stored fixed-width in UTC, whatever offset the platform sent.
        """
        when = codec.instant(occurred_at)
        item = EngagementModel(
            keys.engagement(self.platform, content_id, external_user_id, kind),
            fan_id=fan_id,
            points=points,
            occurred_at=when,
            deferred=deferred or None,
        )
        free = EngagementModel.engagement_key.does_not_exist() | (
            EngagementModel.reversed_at.exists() & (EngagementModel.occurred_at < when)
        )
        self._tx.put(items.ENGAGEMENT, item, free)

    def reverse_engagement(
        self, content_id: str, external_user_id: str, kind: str, occurred_at: datetime, expected: Engagement | None
    ) -> None:
        """Mark the action undone, or leave a tombstone so that an older action arriving later earns nothing.

        Conditioned on the record we read, so two undos, or an undo racing a new action, cannot both apply.
        """
        key = EngagementModel(keys.engagement(self.platform, content_id, external_user_id, kind))
        seen = (
            EngagementModel.engagement_key.does_not_exist()
            if expected is None
            else EngagementModel.reversed_at.does_not_exist() & (EngagementModel.occurred_at == expected.occurred_at)
        )
        self._tx.update(
            items.ENGAGEMENT,
            key,
            [
                EngagementModel.reversed_at.set(codec.instant(occurred_at)),
                EngagementModel.occurred_at.set(codec.instant(occurred_at)),
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
        occurred_at: datetime | None = None,
    ) -> None:
        """Counts go on the user's own item, so no item is shared by everyone engaging with viral content.

        A counted engagement is also named on the delivery record, for the day's content KPIs.
        """
        shard = keys.stats_shard(self.platform, content_id, shard_of(external_user_id, shards))
        actions: list[Action] = [getattr(ContentStatsModel, kind).add(delta)]
        if completion is not None:
            actions.append(ContentStatsModel.completion_sum.add(completion))
        if delta > 0:
            actions.append(ContentStatsModel.events.add(1))
            self._delivery.engaged, self._delivery.occurred_at = kind, occurred_at
            self._delivery.completion = completion
        self._tx.update(items.STATS, ContentStatsModel(shard, keys.stats_user(external_user_id)), actions)

    def commit(self) -> None:
        free = WebhookDeliveryModel.delivery_id.does_not_exist() | (
            WebhookDeliveryModel.expires_at < int(self.now.timestamp())
        )
        self._tx.put(items.DELIVERY, self._delivery, free)
        try:
            self._tx.commit()
        except Cancelled as cancelled:
            raise_for(cancelled)


