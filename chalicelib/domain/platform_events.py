"""What content platforms deliver, as typed records (validated from the webhook body by msgspec)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from chalicelib.domain import days, identifiers

PlatformId = Annotated[str, Meta(min_length=1, max_length=256, pattern=identifiers.PLATFORM_ID_PATTERN)]
FanId = Annotated[str, Meta(min_length=1, max_length=128, pattern=identifiers.OWN_ID_PATTERN)]
Instant = Annotated[datetime, Meta(tz=True)]
Severity = Literal["low", "medium", "high"]


class _Data(Struct, kw_only=True):
    """Unknown fields are tolerated: platforms add fields without warning."""


def _in_range(**instants: datetime) -> None:
    """msgspec turns this ValueError into a validation error (400), never a 500 later in storage."""
    field = days.out_of_range(**instants)
    if field is not None:
        raise ValueError(f"{field} must be between 1970 and 9999 in UTC")


class AccountLinked(_Data):
    external_user_id: PlatformId
    fan_id: FanId


class ContentPublished(_Data):
    content_id: PlatformId
    external_user_id: PlatformId
    published_at: Instant
    title: Annotated[str, Meta(max_length=500)] | None = None

    def __post_init__(self) -> None:
        _in_range(published_at=self.published_at)


class Engaged(_Data):
    content_id: PlatformId
    external_user_id: PlatformId
    occurred_at: Instant
    completion: Annotated[float, Meta(ge=0, le=1)] | None = None

    def __post_init__(self) -> None:
        _in_range(occurred_at=self.occurred_at)


class ContentDeleted(_Data):
    content_id: PlatformId


class ContentFlagged(_Data):
    content_id: PlatformId
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    severity: Severity


class Envelope(Struct):
    type: Annotated[str, Meta(min_length=1, max_length=64)]
    data: dict[str, object]


ENGAGEMENT_KINDS = {
    "engagement.liked": "liked",
    "engagement.commented": "commented",
    "engagement.shared": "shared",
    "engagement.viewed": "viewed",
}
DATA_TYPES: dict[str, type[_Data]] = {
    "account.linked": AccountLinked,
    "content.published": ContentPublished,
    **{name: Engaged for name in ENGAGEMENT_KINDS},
    "engagement.unliked": Engaged,
    "content.deleted": ContentDeleted,
    "content.flagged": ContentFlagged,
}
