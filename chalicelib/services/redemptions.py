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
from chalicelib.domain.rewards import (
    Redemption,
    RedemptionPlan,
    Reward,
    plan_cancellation,
    plan_fulfilment,
    plan_redemption,
)
from chalicelib.domain.settlement import StoredFan
from chalicelib.observability import count
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import KeyTaken, StaleRedemption, StaleReward
from chalicelib.services import catalogue, fan_update
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render, live, run
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    balance: int


def new_redemption_id() -> str:
    return "rdm_" + uuid.uuid4().hex


@dataclass(frozen=True)
class _Planned:
    outcome: Outcome
    plan: RedemptionPlan


def redeem(
    fan_id: str,
    reward_id: str,
    quantity: int,
    request: IdempotentRequest,
    render: Render[RedemptionResult],
    now: datetime,
) -> Outcome:
    try:
        outcome = run(
            request, now, lambda: _redeem(fan_id, reward_id, quantity, request, render, now), look_first=False
        )
    except DomainError as failed:
        count("RedemptionFailures", reason=failed.code)
        raise
    if outcome.refused is not None:
        count("RedemptionFailures", reason=outcome.refused)
    elif not outcome.replayed:
        count("Redemptions")
    return outcome


@dataclass
class _RewardState:
    """The reward a decision uses; `verified` when read in this request (a refusal needs that)."""

    reward: Reward | None
    verified: bool = False


def _redeem(
    fan_id: str,
    reward_id: str,
    quantity: int,
    request: IdempotentRequest,
    render: Render[RedemptionResult],
    now: datetime,
) -> Outcome:
    """Warm: one transaction. Otherwise one consistent read of fan, reward and key, then the transaction."""
    state = _RewardState(catalogue.cached(reward_id))
    redemption_id = new_redemption_id()

    def read_fresh() -> StoredFan | None:
        context = reads.fan_context(fan_id, reward_id, request.key)
        record = live(context.record, now)
        if record is not None:
            raise KeyTaken(record)
        catalogue.remember(context.reward, reward_id)
        if context.reward is None:
            raise RewardNotFound(f"Reward {reward_id} does not exist.")
        state.reward, state.verified = context.reward, True
        return context.fan

    def decide(fan: fans.Fan) -> fan_update.Decision[_Planned]:
        if state.reward is None:
            raise fan_update.Reread()
        if state.verified:
            _in_stock(state.reward, quantity)
        try:
            plan = plan_redemption(fan, state.reward, quantity, redemption_id, now)
        except DomainError:
            if not state.verified:
                raise fan_update.Reread() from None
            raise
        settings = get_settings()
        noted = fans.with_activity(plan.change, "redemption", now, settings.community_time_zone, settings.score_rules)
        plan = replace(plan, change=noted)
        status, body = render(RedemptionResult(plan.redemption, plan.change.fan.balance))
        return fan_update.Decision(_Planned(Outcome(status, body), plan), plan.change)

    def commit(decision: fan_update.Decision[_Planned], token: str) -> None:
        outcome, plan = decision.result.outcome, decision.result.plan
        try:
            writes.commit_redemption(plan, token, request.record(outcome.status, outcome.body, now), now)
        except StaleReward as stale:
            state.reward, state.verified = _after_stale_reward(plan.reward, stale.current, quantity), False
            raise fan_update.Again() from None

    planned = fan_update.update(fan_id, decide, commit, read_fresh=read_fresh)
    reward = planned.plan.reward
    catalogue.remember(replace(reward, stock_remaining=reward.stock_remaining - quantity))
    return planned.outcome


def _in_stock(reward: Reward, quantity: int) -> None:
    """Out of stock is decided by stock DynamoDB returned (a consistent read, or a failed condition)."""
    if reward.stock_remaining < quantity:
        raise OutOfStock(
            f"Reward {reward.reward_id} has {reward.stock_remaining} left; {quantity} requested.",
            stock_remaining=reward.stock_remaining,
        )


def _after_stale_reward(expected: Reward, current: Reward | None, quantity: int) -> Reward | None:
    """Out of stock is decided by the stock DynamoDB holds, never by a cached figure."""
    catalogue.remember(current, expected.reward_id)
    if current is None:
        raise RewardNotFound(f"Reward {expected.reward_id} does not exist.")
    if current.version == expected.version:
        _in_stock(current, quantity)
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


@dataclass(frozen=True)
class _Cancelled:
    outcome: Outcome
    redemption: Redemption


def cancel(redemption_id: str, request: IdempotentRequest, render: Render[RedemptionResult], now: datetime) -> Outcome:
    """Refund the points and return the stock, once."""
    zone = get_settings().community_time_zone

    def operation() -> Outcome:
        found = [any_redemption(redemption_id)]

        def decide(fan: fans.Fan) -> fan_update.Decision[_Cancelled]:
            change, cancelled = plan_cancellation(fan, found[0], now, zone)
            status, body = render(RedemptionResult(cancelled, change.fan.balance))
            return fan_update.Decision(_Cancelled(Outcome(status, body), cancelled), change)

        def commit(decision: fan_update.Decision[_Cancelled], token: str) -> None:
            outcome, cancelled = decision.result.outcome, decision.result.redemption
            if decision.change is None:
                return
            record = request.record(outcome.status, outcome.body, now)
            try:
                writes.commit_cancellation(decision.change, token, cancelled, record, now)
            except StaleRedemption as stale:
                found[0] = stale.current or found[0]
                raise fan_update.Again() from None

        done = fan_update.update(found[0].fan_id, decide, commit)
        catalogue.remember(None, done.redemption.reward_id)
        count("RedemptionsCancelled")
        return done.outcome

    return run(request, now, operation, look_first=True)


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
