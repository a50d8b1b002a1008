"""Which refusal a redemption gets, in the order a fan would expect."""

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import errors
from chalicelib.domain.fan import Fan
from chalicelib.domain.rewards import Redemption, Reward, plan_cancellation, plan_fulfilment, plan_redemption

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc)
FAN = Fan("f", balance=100, earned_by_month={"2026-11": 100}, version=4, tier="active")


def reward(**kw):
    base = {"reward_id": "r", "name": "R", "cost": 30, "stock_remaining": 5}
    return Reward(**{**base, **kw})


def test_plan_debits_counts_and_records():
    plan = plan_redemption(FAN, reward(), 2, "rdm_1", NOW)
    assert plan.change.fan.balance == 40
    assert plan.change.fan.redeemed == {"r": 2}
    assert plan.change.previous_version == 4 and plan.change.fan.version == 5
    assert plan.redemption.points_spent == 60 and plan.redemption.status == "confirmed"
    assert plan.change.entry is not None and plan.change.entry.delta == -60


@pytest.mark.parametrize(
    ("fan", "item", "quantity", "error"),
    [
        (FAN, reward(available_from=NOW + timedelta(seconds=1)), 1, errors.RewardUnavailable),
        (FAN, reward(available_until=NOW), 1, errors.RewardUnavailable),
        (FAN, reward(min_tier="head"), 1, errors.TierRequired),
        (Fan("f", balance=100, redeemed={"r": 1}), reward(per_fan_limit=2), 2, errors.LimitReached),
        (FAN, reward(cost=101), 1, errors.InsufficientPoints),
        (FAN, reward(cost=51), 2, errors.InsufficientPoints),
    ],
)
def test_refusals(fan, item, quantity, error):
    with pytest.raises(error):
        plan_redemption(fan, item, quantity, "rdm_1", NOW)


def test_tier_order():
    assert plan_redemption(FAN, reward(min_tier="potential"), 1, "x", NOW)
    with pytest.raises(errors.TierRequired):
        plan_redemption(Fan("f", balance=100), reward(min_tier="potential"), 1, "x", NOW)


def test_availability_checked_before_balance():
    with pytest.raises(errors.RewardUnavailable):
        plan_redemption(Fan("f"), reward(available_until=NOW), 1, "x", NOW)


def test_cancel_refunds_and_releases_the_limit():
    plan = plan_redemption(FAN, reward(per_fan_limit=2), 2, "rdm_1", NOW)
    change, cancelled = plan_cancellation(plan.change.fan, plan.redemption, NOW, "UTC")
    assert change.fan.balance == 100 and change.fan.redeemed == {"r": 0}
    assert change.fan.lifetime_points == FAN.lifetime_points  # a refund is not new earning
    assert cancelled.status == "cancelled"
    assert change.entry is not None and change.entry.kind == "refund" and change.entry.delta == 60
    with pytest.raises(errors.InvalidRedemptionState):
        plan_cancellation(change.fan, cancelled, NOW, "UTC")


def test_fulfil_transitions():
    confirmed = Redemption("x", "f", "r", 1, 10, "confirmed", NOW, 0)
    fulfilled = plan_fulfilment(confirmed, NOW)
    assert fulfilled is not None and fulfilled.status == "fulfilled"
    assert plan_fulfilment(fulfilled, NOW) is None
    with pytest.raises(errors.InvalidRedemptionState):
        plan_fulfilment(Redemption("x", "f", "r", 1, 10, "cancelled", NOW, 0), NOW)
    with pytest.raises(errors.InvalidRedemptionState):
        plan_cancellation(FAN, fulfilled, NOW, "UTC")
