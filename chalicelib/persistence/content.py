"""Content items and reversible engagements (likes, publications) as stored: who made what, what it earned."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.persistence import keys
from chalicelib.persistence.models import ContentModel, EngagementModel
from chalicelib.persistence.transaction import with_retries


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


def content_from_item(item: ContentModel) -> Content:
    return Content(item.author, item.flag_severity, item.flag_reason, item.deleted_at is not None)


def engagement(platform: str, content_id: str, external_user_id: str, kind: str) -> Engagement | None:
    def read() -> Engagement | None:
        try:
            item = EngagementModel.get(
                keys.engagement(platform, content_id, external_user_id, kind), consistent_read=True
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
            item = ContentModel.get(keys.content(platform, content_id), consistent_read=True)
        except DoesNotExist:
            return None
        return content_from_item(item)

    return with_retries(read)
