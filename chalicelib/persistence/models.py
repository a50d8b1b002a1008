"""PynamoDB models, one table per entity; `docs/data-model.md` lists the access patterns."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"
    max_retry_attempts = 2


class FanModel(Model):
    """A fan's profile and points account. Every write is guarded by `version`.

    `change_token` is unique per write attempt, so a writer whose response was lost can tell its
    own write from a concurrent one that produced the same state.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("fans")

    fan_id = UnicodeAttribute(hash_key=True)
    time_zone = UnicodeAttribute(null=True)
    time_zone_changed_at = UTCDateTimeAttribute(null=True)
    balance = NumberAttribute()
    lifetime_points = NumberAttribute()
    tier = UnicodeAttribute()
    lifecycle_stage = UnicodeAttribute()
    streak = NumberAttribute()
    last_checkin_date = UnicodeAttribute(null=True)
    earned_by_month: MapAttribute[str, Any] = MapAttribute()
    consumed = NumberAttribute()
    redeemed: MapAttribute[str, Any] = MapAttribute()
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    change_token = UnicodeAttribute(null=True)


class LedgerEntryModel(Model):
    """Immutable; `entry_id` is the fan's version after the change, so it sorts by time."""

    class Meta(_Meta):
        table_name = _settings.table_name("ledger")

    fan_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    delta = NumberAttribute()
    balance_after = NumberAttribute()
    kind = UnicodeAttribute()
    ref = UnicodeAttribute()


class RewardModel(Model):
    """A catalogue item. `version` changes on replace; stock changes only by conditional ADD."""

    class Meta(_Meta):
        table_name = _settings.table_name("rewards")

    reward_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    cost = NumberAttribute()
    stock_remaining = NumberAttribute()
    per_fan_limit = NumberAttribute(null=True)
    min_tier = UnicodeAttribute(null=True)
    available_from = UTCDateTimeAttribute(null=True)
    available_until = UTCDateTimeAttribute(null=True)
    version = NumberAttribute()
    updated_at = UTCDateTimeAttribute()


class RedemptionsByFan(GlobalSecondaryIndex["RedemptionModel"]):
    class Meta:
        index_name = "by-fan"
        projection = AllProjection()

    fan_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RedemptionModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("redemptions")

    redemption_id = UnicodeAttribute(hash_key=True)
    fan_id = UnicodeAttribute()
    reward_id = UnicodeAttribute()
    quantity = NumberAttribute()
    points_spent = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    balance_after = NumberAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    by_fan = RedemptionsByFan()


class IdempotencyModel(Model):
    """A caller's key with the request fingerprint and the response it got.

    `expires_at` is compared explicitly; `ttl` only lets DynamoDB reclaim space, days later.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("idempotency")

    key = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()
    status = NumberAttribute()
    body = UnicodeAttribute()
    expires_at = NumberAttribute()
    ttl = TTLAttribute()


ALL_MODELS: tuple[type[Model], ...] = (FanModel, LedgerEntryModel, RewardModel, RedemptionModel, IdempotencyModel)
