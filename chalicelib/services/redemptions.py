"""Redeeming rewards, and the operator's cancel and fulfil.

A redemption is one transaction: debit with its ledger entry, stock, per-fan count, the
redemption record and the idempotency record. Cached fan and reward states are guesses that the
transaction's conditions confirm; a refusal is only reported after a fresh, consistent read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import (
    DomainError,
    OutOfStock,
    RedemptionNotFound,
    RewardNotFound,
    Unavailable,
)
from chalicelib.domain.rewards import Redemption, Reward, plan_cancellation, plan_fulfilment, plan_redemption
from chalicelib.observability import count
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import KeyTaken, StaleFan, StaleRedemption, StaleReward
from chalicelib.services import catalogue, fan_cache
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render, live
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    balance: int


def new_redemption_id() -> str:
    return "rdm_" + uuid.uuid4().hex


def redeem(
    fan_id: str,
    reward_id: str,
    quantity: int,
    request: IdempotentRequest,
    render: Render[RedemptionResult],
    now: datetime,
) -> Outcome:
    try:
        outcome = _redeem(fan_id, reward_id, quantity, request, render, now)
    except DomainError as refused:
        count("RedemptionFailures", reason=refused.code)
        raise
    if not outcome.replayed:
        count("Redemptions")
    return outcome


def _redeem(
    fan_id: str,
    reward_id: str,
    quantity: int,
    request: IdempotentRequest,
    render: Render[RedemptionResult],
    now: datetime,
) -> Outcome:
    fan = fan_cache.get(fan_id)
    reward = catalogue.cached(reward_id)
    verified = False
    redemption_id = new_redemption_id()
    for _ in range(get_settings().write_attempts + 1):
        if fan is None or reward is None:
            context = reads.fan_context(fan_id, reward_id, request.key)
            record = live(context.record, now)
            if record is not None:
                return Outcome.replay(record, request)
            if context.reward is None:
                catalogue.remember(None, reward_id)
                raise RewardNotFound(f"Reward {reward_id} does not exist.")
            fan, reward, verified = context.fan or fans.Fan(fan_id), context.reward, True
            catalogue.remember(reward)
        try:
            plan = plan_redemption(fan, reward, quantity, redemption_id, now)
        except DomainError:
            if verified:
                raise
            fan = reward = None
            continue
        status, body = render(RedemptionResult(plan.redemption, plan.change.fan.balance))
        try:
            writes.commit_redemption(plan, request.record(status, body, now), now)
        except KeyTaken as taken:
            return Outcome.replay(taken.record, request)
        except StaleFan as stale:
            fan, verified = stale.current or fans.Fan(fan_id), False
            continue
        except StaleReward as stale:
            reward, verified = _after_stale_reward(reward, stale.current, quantity), False
            continue
        fan_cache.remember(plan.change.fan)
        catalogue.remember(replace(reward, stock_remaining=reward.stock_remaining - quantity))
        return Outcome(status, body)
    raise Unavailable("Too many concurrent changes; retry shortly.")


def _after_stale_reward(expected: Reward, current: Reward | None, quantity: int) -> Reward | None:
    """Out of stock is decided by the stock DynamoDB holds, never by a cached figure."""
    catalogue.remember(current, expected.reward_id)
    if current is None:
        raise RewardNotFound(f"Reward {expected.reward_id} does not exist.")
    if current.version == expected.version and current.stock_remaining < quantity:
        raise OutOfStock(
            f"Reward {current.reward_id} has {current.stock_remaining} left; {quantity} requested.",
            stock_remaining=current.stock_remaining,
        )
    return current


def own_redemption(fan_id: str, redemption_id: str) -> Redemption:
    """Another fan's redemption is reported as missing, so ids reveal nothing."""
    redemption = reads.redemption(redemption_id)
    if redemption is None or redemption.fan_id != fan_id:
        raise RedemptionNotFound(f"Redemption {redemption_id} not found.")
    return redemption


def any_redemption(redemption_id: str) -> Redemption:
    redemption = reads.redemption(redemption_id)
    if redemption is None:
        raise RedemptionNotFound(f"Redemption {redemption_id} not found.")
    return redemption


def cancel(redemption_id: str, request: IdempotentRequest, render: Render[RedemptionResult], now: datetime) -> Outcome:
    """Refund the points and return the stock, once."""
    record = live(reads.idempotency_record(request.key), now)
    if record is not None:
        return Outcome.replay(record, request)
    settings = get_settings()
    redemption = any_redemption(redemption_id)
    fan = reads.fan(redemption.fan_id) or fans.Fan(redemption.fan_id)
    for _ in range(settings.write_attempts):
        change, cancelled = plan_cancellation(fan, redemption, now, settings.community_time_zone)
        status, body = render(RedemptionResult(cancelled, change.fan.balance))
        try:
            writes.commit_cancellation(change, cancelled, request.record(status, body, now), now)
        except KeyTaken as taken:
            return Outcome.replay(taken.record, request)
        except StaleFan as stale:
            fan = stale.current or fans.Fan(redemption.fan_id)
            continue
        except StaleRedemption as stale:
            redemption = stale.current or redemption
            continue
        fan_cache.remember(change.fan)
        catalogue.remember(None, redemption.reward_id)
        count("RedemptionsCancelled")
        return Outcome(status, body)
    raise Unavailable("Too many concurrent changes; retry shortly.")


def fulfil(redemption_id: str, now: datetime) -> Redemption:
    """Marking a shipped redemption again is a no-op, so this needs no idempotency key."""
    redemption = any_redemption(redemption_id)
    for _ in range(get_settings().write_attempts):
        fulfilled = plan_fulfilment(redemption, now)
        if fulfilled is None:
            return redemption
        try:
            writes.commit_fulfilment(fulfilled, now)
        except StaleRedemption as stale:
            redemption = stale.current or redemption
            continue
        return fulfilled
    raise Unavailable("Too many concurrent changes; retry shortly.")
