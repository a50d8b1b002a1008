"""Redemption farming: new accounts that earn and redeem the same scarce reward.

Sock-puppet accounts pool a limited reward: each earns the cost quickly and redeems the same
item. People who join this week rarely afford, let alone agree on, the same limited item. A
reward is judged when it is scarce (stock before the look-back at most `scarce_stock`): its
new-account redeemers (accounts at most `new_account_age` old when they redeemed) are counted,
and must also be at least `min_share` of its redeemers, so a popular drop that new fans join too
stays quiet. One observation per reward, clear for every reward looked at without a hit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts.evidence import top
from chalicelib.domain.alerts.model import Category, Observation
from chalicelib.domain.risk.levels import Ladder, Timing

RULE = "redemption_farming"
CATEGORY: Category = "user"
RUNBOOK = "operations.md#redemption-farming"


@dataclass(frozen=True)
class RewardRedemption:
    """A confirmed redemption in the look-back; `account_created_at` is the fan's first-seen instant."""

    fan_id: str
    reward_id: str
    at: datetime
    quantity: int
    account_created_at: datetime | None


@dataclass(frozen=True)
class RedemptionFarmingInput:
    """`stock_remaining` per reward now; a reward missing from it is not judged scarce.

    `redeemed_units`, when given, are the units of each reward every fan redeemed in the look-back
    (counted by the redemptions stream); `redemptions` then need only be the new accounts' ones, and
    the redeemers are estimated by those units (a fan redeeming two counts twice: a lower share,
    never a false one).
    """

    now: datetime
    redemptions: Sequence[RewardRedemption]
    stock_remaining: Mapping[str, int]
    redeemed_units: Mapping[str, int] | None = None


@dataclass(frozen=True)
class RedemptionFarmingConfig:
    lookback: timedelta = timedelta(hours=24)
    new_account_age: timedelta = timedelta(days=7)
    scarce_stock: int = 100
    min_share: float = 0.25
    levels: Ladder = field(default_factory=lambda: Ladder(warning=5, activate=10, escalate=25))  # new redeemers
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(hours=1)))


def evaluate(signal: RedemptionFarmingInput, config: RedemptionFarmingConfig) -> list[Observation]:
    recent: dict[str, list[RewardRedemption]] = defaultdict(list)
    for redemption in signal.redemptions:
        if signal.now - config.lookback <= redemption.at <= signal.now:
            recent[redemption.reward_id].append(redemption)
    rewards = sorted(set(recent) | set(signal.stock_remaining))
    return [_judge(reward_id, recent.get(reward_id, []), signal, config) for reward_id in rewards]


def _judge(
    reward_id: str, redemptions: list[RewardRedemption], signal: RedemptionFarmingInput, config: RedemptionFarmingConfig
) -> Observation:
    listed = sum(r.quantity for r in redemptions)
    units = listed if signal.redeemed_units is None else max(listed, signal.redeemed_units.get(reward_id, 0))
    distinct = len({r.fan_id for r in redemptions})
    redeemers = distinct if signal.redeemed_units is None else max(distinct, units)
    new: dict[str, RewardRedemption] = {}
    for r in sorted(redemptions, key=lambda r: r.at):
        if _is_new(r, config):
            new.setdefault(r.fan_id, r)
    remaining = signal.stock_remaining.get(reward_id)
    stock_before = None if remaining is None else remaining + units
    scarce = stock_before is not None and stock_before <= config.scarce_stock
    share = len(new) / redeemers if redeemers else 0.0
    level = config.levels.level(len(new)) if scarce and share >= config.min_share else None
    fans: list[dict[str, Any]] = [
        {"fan_id": fan_id, "redeemed_at": r.at.isoformat(), "account_age_hours": _age_hours(r)}
        for fan_id, r in new.items()
    ]
    evidence = {
        "reward_id": reward_id,
        "stock_before": stock_before,
        "redeemers": redeemers,
        "new_account_share": round(share, 3),
        "new_accounts": top(fans),
    }
    summary = (
        f"{len(new)} accounts under {config.new_account_age.days} days old redeemed scarce reward {reward_id}"
        f" ({len(new)} of {redeemers} redeemers)."
        if level
        else f"No farming pattern on reward {reward_id}."
    )
    title = "Redemption farming"
    return Observation(
        RULE, CATEGORY, f"reward#{reward_id}", level, title=title, summary=summary, evidence=evidence, runbook=RUNBOOK
    )


def _is_new(redemption: RewardRedemption, config: RedemptionFarmingConfig) -> bool:
    created = redemption.account_created_at
    return created is not None and redemption.at - created <= config.new_account_age


def _age_hours(redemption: RewardRedemption) -> float | None:
    created = redemption.account_created_at
    return None if created is None else round((redemption.at - created) / timedelta(hours=1), 1)
