"""Conversions between PynamoDB items and domain objects, in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import MapAttribute

from chalicelib.domain.activity import Activity
from chalicelib.domain.fan import DayEarnings, Fan, LedgerEntry
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.domain.rewards import Redemption, Reward
from chalicelib.domain.settlement import PendingAward, StoredFan
from chalicelib.domain.tiers import DowngradeWarning
from chalicelib.persistence.models import (
    AccountAttribute,
    FanModel,
    IdempotencyModel,
    LedgerEntryModel,
    PendingAwardAttribute,
    RedemptionModel,
    RewardModel,
)


def _raw_map(attr: MapAttribute[str, Any] | None) -> dict[str, Any]:
    return attr.as_dict() if attr is not None else {}


def _int_map(attr: MapAttribute[str, Any] | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in _raw_map(attr).items()}


def fan_from_item(item: FanModel) -> StoredFan:
    """What is stored: the state of the last whole write and the awards appended since (not settled here)."""
    pending = tuple(pending_from_attribute(a) for a in item.pending or [])
    return StoredFan(_stored_fan(item, int(item.version) - len(pending)), pending)


def pending_from_attribute(attr: PendingAwardAttribute) -> PendingAward:
    return PendingAward(
        kind=attr.kind,  # type: ignore[arg-type]
        occurred_at=attr.occurred_at,
        at=attr.at,
        ref=attr.ref,
        points=int(attr.points),
        cap=int(attr.cap) if attr.cap is not None else None,
        author=(attr.author_platform, attr.author) if attr.author_platform and attr.author else None,
        completion=float(attr.completion) if attr.completion is not None else None,
    )


def pending_to_attribute(award: PendingAward) -> PendingAwardAttribute:
    return PendingAwardAttribute(
        kind=award.kind,
        occurred_at=award.occurred_at,
        at=award.at,
        ref=award.ref,
        points=award.points,
        cap=award.cap,
        author_platform=award.author[0] if award.author else None,
        author=award.author[1] if award.author else None,
        completion=award.completion,
    )


def _stored_fan(item: FanModel, version: int) -> Fan:
    return Fan(
        fan_id=item.fan_id,
        time_zone=item.time_zone,
        time_zone_changed_at=item.time_zone_changed_at,
        balance=int(item.balance),
        lifetime_points=int(item.lifetime_points),
        tier=item.tier,
        tier_since=date.fromisoformat(item.tier_since) if item.tier_since else None,
        tier_warning=(
            DowngradeWarning.from_dict({"to": item.tier_warning_to, "on": item.tier_warning_on})
            if item.tier_warning_to and item.tier_warning_on
            else None
        ),
        lifecycle_stage=item.lifecycle_stage,
        streak=int(item.streak),
        last_checkin_date=date.fromisoformat(item.last_checkin_date) if item.last_checkin_date else None,
        earned_by_month=_int_map(item.earned_by_month),
        consumed=int(item.consumed),
        redeemed=_int_map(item.redeemed),
        engagement_counts=_int_map(item.engagement_counts),
        linked_accounts={str(k): str(v) for k, v in _raw_map(item.linked_accounts).items()},
        former_accounts=tuple((a.platform, a.external_user_id) for a in item.former_accounts or []),
        activity=activity_from_text(item.activity),
        at_risk=bool(item.at_risk),
        lifecycle_assessed_at=item.lifecycle_assessed_at,
        expiry_notices=frozenset(item.expiry_notices or ()),
        earned_today=earnings_from_text(item.earned_today),
        version=version,
        created_at=item.created_at,
    )


ACTIVITY_FORMAT = "a2"
_FORMERLY = "a1"  # before redeemed_mask: read as no redemption days


def activity_text(activity: Activity) -> str | None:
    """`a2|score|score_at|day|core|seen|shared|published|first_seen_at|last_core_at|redeemed`, empty parts for None.

    One string rather than a map of nine attributes: every fan write carries it, and PynamoDB's
    map serialisation costs a measurable share of a check-in (docs/benchmarks.md).
    """
    if activity == Activity():
        return None
    parts = (
        ACTIVITY_FORMAT,
        repr(activity.score_value),
        _instant_or_empty(activity.score_at),
        activity.day.isoformat() if activity.day else "",
        str(activity.core_mask),
        str(activity.seen_mask),
        str(activity.shared_mask),
        str(activity.published_mask),
        _instant_or_empty(activity.first_seen_at),
        _instant_or_empty(activity.last_core_at),
        str(activity.redeemed_mask),
    )
    return "|".join(parts)


def activity_from_text(text: str | None) -> Activity:
    if not text:
        return Activity()
    version, score, score_at, day, core, seen, shared, published, first_seen, last_core, *rest = text.split("|")
    if (version, len(rest)) not in ((ACTIVITY_FORMAT, 1), (_FORMERLY, 0)):
        raise ValueError(f"unknown activity format {version!r} with {len(rest)} extra parts")
    return Activity(
        score_value=float(score),
        score_at=_instant_or_none(score_at),
        day=date.fromisoformat(day) if day else None,
        core_mask=int(core),
        seen_mask=int(seen),
        shared_mask=int(shared),
        published_mask=int(published),
        first_seen_at=_instant_or_none(first_seen),
        last_core_at=_instant_or_none(last_core),
        redeemed_mask=int(rest[0]) if rest else 0,
    )


def earnings_text(earned: DayEarnings | None) -> str | None:
    return None if earned is None else f"{earned.day.isoformat()}|{earned.points}"


def earnings_from_text(text: str | None) -> DayEarnings | None:
    if not text:
        return None
    day, _, points = text.partition("|")
    return DayEarnings(date.fromisoformat(day), int(points))


def _instant_or_empty(moment: datetime | None) -> str:
    return instant(moment) if moment is not None else ""


def _instant_or_none(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def fan_to_item(fan: Fan, change_token: str | None = None) -> FanModel:
    return FanModel(
        fan.fan_id,
        time_zone=fan.time_zone,
        time_zone_changed_at=fan.time_zone_changed_at,
        balance=fan.balance,
        lifetime_points=fan.lifetime_points,
        tier=fan.tier,
        tier_since=fan.tier_since.isoformat() if fan.tier_since else None,
        tier_warning_to=fan.tier_warning.to if fan.tier_warning else None,
        tier_warning_on=fan.tier_warning.on.isoformat() if fan.tier_warning else None,
        lifecycle_stage=fan.lifecycle_stage,
        streak=fan.streak,
        last_checkin_date=fan.last_checkin_date.isoformat() if fan.last_checkin_date else None,
        earned_by_month=MapAttribute(**fan.earned_by_month),
        consumed=fan.consumed,
        redeemed=MapAttribute(**fan.redeemed),
        engagement_counts=MapAttribute(**fan.engagement_counts),
        linked_accounts=MapAttribute(**fan.linked_accounts),
        former_accounts=[AccountAttribute(platform=p, external_user_id=e) for p, e in fan.former_accounts] or None,
        activity=activity_text(fan.activity),
        at_risk=fan.at_risk or None,
        lifecycle_assessed_at=fan.lifecycle_assessed_at,
        expiry_notices=set(fan.expiry_notices) or None,
        earned_today=earnings_text(fan.earned_today),
        version=fan.version,
        created_at=fan.created_at,
        change_token=change_token,
    )


def entry_from_item(item: LedgerEntryModel) -> LedgerEntry:
    return LedgerEntry(
        item.fan_id,
        item.entry_id,
        item.at,
        int(item.delta),
        int(item.balance_after),
        item.kind,  # type: ignore[arg-type]
        item.ref,
    )


def entry_to_item(entry: LedgerEntry) -> LedgerEntryModel:
    return LedgerEntryModel(
        entry.fan_id,
        entry.entry_id,
        at=entry.at,
        delta=entry.delta,
        balance_after=entry.balance_after,
        kind=entry.kind,
        ref=entry.ref,
    )


def reward_from_item(item: RewardModel) -> Reward:
    return Reward(
        reward_id=item.reward_id,
        name=item.name,
        cost=int(item.cost),
        stock_remaining=int(item.stock_remaining),
        per_fan_limit=int(item.per_fan_limit) if item.per_fan_limit is not None else None,
        min_tier=item.min_tier,
        available_from=item.available_from,
        available_until=item.available_until,
        version=int(item.version),
    )


def reward_to_item(reward: Reward, now: datetime) -> RewardModel:
    return RewardModel(
        reward.reward_id,
        name=reward.name,
        cost=reward.cost,
        stock_remaining=reward.stock_remaining,
        per_fan_limit=reward.per_fan_limit,
        min_tier=reward.min_tier,
        available_from=reward.available_from,
        available_until=reward.available_until,
        version=reward.version,
        updated_at=now,
    )


def redemption_from_item(item: RedemptionModel) -> Redemption:
    return Redemption(
        redemption_id=item.redemption_id,
        fan_id=item.fan_id,
        reward_id=item.reward_id,
        quantity=int(item.quantity),
        points_spent=int(item.points_spent),
        status=item.status,  # type: ignore[arg-type]
        created_at=datetime.fromisoformat(item.created_at),
        balance_after=int(item.balance_after),
        updated_at=item.updated_at,
    )


def redemption_to_item(redemption: Redemption) -> RedemptionModel:
    return RedemptionModel(
        redemption.redemption_id,
        fan_id=redemption.fan_id,
        reward_id=redemption.reward_id,
        quantity=redemption.quantity,
        points_spent=redemption.points_spent,
        status=redemption.status,
        created_at=instant(redemption.created_at),
        balance_after=redemption.balance_after,
        updated_at=redemption.updated_at,
    )


def instant(moment: datetime) -> str:
    """Fixed-width UTC timestamps, so that string order (in keys and conditions) is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def record_from_item(item: IdempotencyModel) -> IdempotencyRecord:
    return IdempotencyRecord(
        item.key,
        item.fingerprint,
        int(item.status),
        item.body,
        datetime.fromtimestamp(float(item.expires_at), tz=UTC),
    )


def record_to_item(record: IdempotencyRecord) -> IdempotencyModel:
    return IdempotencyModel(
        record.key,
        fingerprint=record.fingerprint,
        status=record.status,
        body=record.body,
        expires_at=int(record.expires_at.timestamp()),
        ttl=record.expires_at,
    )
