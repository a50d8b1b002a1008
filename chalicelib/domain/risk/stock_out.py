"""Stock running out: a reward whose stock, at its recent redemption rate, lasts only days.

The rate is the last week's mean per day, or the last day's, or the last hour's, whichever is
fastest among those that rest on enough units (`min_units_day`, `min_units_hour`): a reward that
suddenly sells, a campaign's rush, is seen within minutes, not after a day. A forecast needs
`min_units` units in the week, so a reward redeemed once or twice is not extrapolated. Stock
that outlasts the reward's window is fine; a sold-out reward still open with demand is flagged
at `sold_out_level`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts.model import Category, Level, Observation
from chalicelib.domain.risk.levels import Timing

RULE = "stock_out"
CATEGORY: Category = "operations"
RUNBOOK = "operations.md#stock-running-out"


@dataclass(frozen=True)
class RewardStock:
    """A reward's stock now and the units redeemed in the last hour, 24 hours and 7 days."""

    reward_id: str
    stock_remaining: int
    redeemed_last_day: int
    redeemed_last_week: int
    available_until: datetime | None = None
    redeemed_last_hour: int = 0


@dataclass(frozen=True)
class StockOutInput:
    now: datetime
    rewards: Sequence[RewardStock]


@dataclass(frozen=True)
class StockOutConfig:
    warning_days: float = 7.0
    activate_days: float = 2.0
    min_units: int = 3
    min_units_day: int = 5
    min_units_hour: int = 3
    sold_out_level: Level = "activate"
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(hours=1)))

    def __post_init__(self) -> None:
        if not 0 < self.activate_days <= self.warning_days:
            raise ValueError("stock levels: 0 < activate_days <= warning_days")


def evaluate(signal: StockOutInput, config: StockOutConfig) -> list[Observation]:
    return [_judge(reward, signal.now, config) for reward in sorted(signal.rewards, key=lambda r: r.reward_id)]


def _judge(reward: RewardStock, now: datetime, config: StockOutConfig) -> Observation:
    open_ = reward.available_until is None or now < reward.available_until
    rate = _rate(reward, config)
    days_left = None if rate is None else reward.stock_remaining / rate
    level: Level | None = None
    if open_ and rate is not None and days_left is not None:
        outlasts = reward.available_until is not None and now + timedelta(days=days_left) >= reward.available_until
        if reward.stock_remaining <= 0:
            level = config.sold_out_level
        elif not outlasts and days_left <= config.activate_days:
            level = "activate"
        elif not outlasts and days_left <= config.warning_days:
            level = "warning"
    evidence: dict[str, Any] = {
        "reward_id": reward.reward_id,
        "stock_remaining": reward.stock_remaining,
        "redeemed_last_hour": reward.redeemed_last_hour,
        "redeemed_last_day": reward.redeemed_last_day,
        "redeemed_last_week": reward.redeemed_last_week,
        "units_per_day": None if rate is None else round(rate, 2),
        "days_left": None if days_left is None else round(days_left, 2),
        "available_until": None if reward.available_until is None else reward.available_until.isoformat(),
    }
    if level and reward.stock_remaining <= 0:
        summary = f"Reward {reward.reward_id} is sold out while still open and in demand."
    elif level:
        pace = f"{evidence['units_per_day']}/day"
        summary = f"Reward {reward.reward_id} runs out in about {evidence['days_left']} days at {pace}."
    else:
        summary = f"Reward {reward.reward_id} has stock for its demand."
    scope = f"reward#{reward.reward_id}"
    return Observation(
        RULE, CATEGORY, scope, level, title="Stock running out", summary=summary, evidence=evidence, runbook=RUNBOOK
    )


def _rate(reward: RewardStock, config: StockOutConfig) -> float | None:
    """Units per day, or None when the week has too few units to forecast from."""
    if reward.redeemed_last_week < config.min_units:
        return None
    day_rate = reward.redeemed_last_day if reward.redeemed_last_day >= config.min_units_day else 0
    hour_rate = reward.redeemed_last_hour * 24 if reward.redeemed_last_hour >= config.min_units_hour else 0
    return max(reward.redeemed_last_week / 7, day_rate, hour_rate)
