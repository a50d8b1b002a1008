"""Catalogue items and the rules a redemption must pass, checked in the order fans expect."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from chalicelib.domain import fan as fans
from chalicelib.domain import tiers
from chalicelib.domain.errors import (
    InvalidRedemptionState,
    LimitReached,
    RewardUnavailable,
    TierRequired,
)

RedemptionStatus = Literal["confirmed", "fulfilled", "cancelled"]


@dataclass(frozen=True)
class Reward:
    reward_id: str
    name: str
    cost: int
    stock_remaining: int
    per_fan_limit: int | None = None
    min_tier: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    version: int = 0

    def is_open(self, now: datetime) -> bool:
        starts_ok = self.available_from is None or self.available_from <= now
        return starts_ok and (self.available_until is None or now < self.available_until)

    def is_listed(self, now: datetime) -> bool:
        """Listed until its window ends, so fans can see what is coming."""
        return self.available_until is None or now < self.available_until


@dataclass(frozen=True)
class Redemption:
    redemption_id: str
    fan_id: str
    reward_id: str
    quantity: int
    points_spent: int
    status: RedemptionStatus
    created_at: datetime
    balance_after: int
    updated_at: datetime | None = None


@dataclass(frozen=True)
class RedemptionPlan:
    """What one redemption writes: the fan's debit, the stock taken and the record."""

    change: fans.FanChange
    redemption: Redemption
    reward: Reward


def plan_redemption(fan: fans.Fan, reward: Reward, quantity: int, redemption_id: str, now: datetime) -> RedemptionPlan:
    """Check availability, tier, per-fan limit and balance; stock is left to the write's condition."""
    if not reward.is_open(now):
        raise RewardUnavailable(f"Reward {reward.reward_id} is not available now.")
    if not tiers.meets(fan.tier, reward.min_tier):
        raise TierRequired(
            f"Reward {reward.reward_id} needs tier {reward.min_tier}; yours is {fan.tier}.",
            min_tier=reward.min_tier,
            tier=fan.tier,
        )
    already = fan.redeemed.get(reward.reward_id, 0)
    if reward.per_fan_limit is not None and already + quantity > reward.per_fan_limit:
        raise LimitReached(
            f"Reward {reward.reward_id} allows {reward.per_fan_limit} per fan; you have {already}.",
            per_fan_limit=reward.per_fan_limit,
            redeemed=already,
        )
    cost = reward.cost * quantity
    counted = replace(fan, redeemed={**fan.redeemed, reward.reward_id: already + quantity})
    change = fans.debit(counted, cost, "redemption", redemption_id, now, base=fan)
    redemption = Redemption(
        redemption_id, fan.fan_id, reward.reward_id, quantity, cost, "confirmed", now, change.fan.balance
    )
    return RedemptionPlan(change, redemption, reward)


def plan_cancellation(
    fan: fans.Fan, redemption: Redemption, now: datetime, community_zone: str
) -> tuple[fans.FanChange, Redemption]:
    """Refund the points spent and release the per-fan count; only confirmed redemptions cancel."""
    if redemption.status != "confirmed":
        raise InvalidRedemptionState(
            f"Redemption {redemption.redemption_id} is {redemption.status}; only confirmed ones can be cancelled.",
            redemption_status=redemption.status,
        )
    remaining = max(0, fan.redeemed.get(redemption.reward_id, 0) - redemption.quantity)
    released = replace(fan, redeemed={**fan.redeemed, redemption.reward_id: remaining})
    change = fans.credit(
        released,
        redemption.points_spent,
        "refund",
        redemption.redemption_id,
        now,
        community_zone,
        lifetime=False,
        base=fan,
    )
    return change, replace(redemption, status="cancelled", updated_at=now)


def plan_fulfilment(redemption: Redemption, now: datetime) -> Redemption | None:
    """Confirmed becomes fulfilled; fulfilling twice is a no-op (None); cancelled cannot ship."""
    if redemption.status == "fulfilled":
        return None
    if redemption.status != "confirmed":
        raise InvalidRedemptionState(
            f"Redemption {redemption.redemption_id} is {redemption.status}; it cannot be fulfilled.",
            redemption_status=redemption.status,
        )
    return replace(redemption, status="fulfilled", updated_at=now)
