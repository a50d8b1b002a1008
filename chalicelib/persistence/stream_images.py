"""DynamoDB stream records decoded into domain types: the images are items, so the models and codec read them.

A record's images are in DynamoDB's attribute-value JSON, exactly as the table stores the item,
so `Model.from_raw_data` and the codec turn them into the same domain objects a read would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pynamodb.models import Model

from chalicelib.domain.fan import LedgerEntry
from chalicelib.domain.kpis.counting import ContentEngagement
from chalicelib.domain.rewards import Redemption
from chalicelib.domain.settlement import StoredFan
from chalicelib.persistence import codec
from chalicelib.persistence.models import FanModel, LedgerEntryModel, RedemptionModel, WebhookDeliveryModel
from chalicelib.settings import get_settings

T = TypeVar("T")
M = TypeVar("M", bound=Model)
Record = Mapping[str, Any]


@dataclass(frozen=True)
class Change(Generic[T]):
    """One write as a stream record tells it: the item before (None on insert) and after (None on delete)."""

    sequence_number: str
    at: datetime
    old: T | None
    new: T | None


def table_entity(record: Record) -> str | None:
    """The entity (`fans`, `ledger`...) of the table whose stream sent the record; None for another prefix's table.

    `eventSourceARN` is `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`.
    """
    arn = str(record.get("eventSourceARN", ""))
    _, _, path = arn.partition(":table/")
    name = path.split("/", 1)[0]
    prefix = f"{get_settings().table_prefix}-"
    return name[len(prefix) :] if name.startswith(prefix) else None


def sequence_number(record: Record) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _change(record: Record, model: type[M], decode: Callable[[M], T]) -> Change[T]:
    images = record["dynamodb"]
    old, new = images.get("OldImage"), images.get("NewImage")
    return Change(
        sequence_number(record),
        datetime.fromtimestamp(float(images["ApproximateCreationDateTime"]), tz=UTC),
        decode(model.from_raw_data(old)) if old else None,
        decode(model.from_raw_data(new)) if new else None,
    )


def fan_change(record: Record) -> Change[StoredFan]:
    return _change(record, FanModel, codec.fan_from_item)


def ledger_change(record: Record) -> Change[LedgerEntry]:
    return _change(record, LedgerEntryModel, codec.entry_from_item)


def redemption_change(record: Record) -> Change[Redemption]:
    return _change(record, RedemptionModel, codec.redemption_from_item)


def content_engagement(record: Record) -> ContentEngagement | None:
    """What a delivery counted in content metrics; None for a delivery that counted nothing, or a removal."""
    return _change(record, WebhookDeliveryModel, _engagement).new


def _engagement(item: WebhookDeliveryModel) -> ContentEngagement | None:
    if item.engaged is None or item.occurred_at is None:
        return None
    completion = None if item.completion is None else float(item.completion)
    return ContentEngagement(item.engaged, item.occurred_at, completion)
