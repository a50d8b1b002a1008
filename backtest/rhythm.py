"""When fans act: the hour-of-day curve, the weekday lift and the heavy-tailed propensity (docs/backtest.md).

Pure and seeded: the same `random.Random` gives the same community, so a scenario is reproducible.
"""

from __future__ import annotations

import random
from itertools import accumulate

HOURLY = (
    0.9, 0.5, 0.3, 0.2, 0.15, 0.2,  # 00-05: night, trough at 04
    0.5, 1.2, 1.9, 1.7, 1.5, 1.7,  # 06-11: the commute and morning
    2.3, 2.1, 1.5, 1.4, 1.5, 1.9,  # 12-17: the lunch bump, afternoon
    2.5, 3.2, 3.8, 3.9, 3.0, 1.8,  # 18-23: the evening peak at 20-21
)  # fmt: skip
"""Relative weight of each community-local hour (shaped on the plans' 'evening peak' and typical app curves)."""
WEEKDAY_LIFT = (1.0, 0.95, 0.95, 1.0, 1.1, 1.35, 1.3)
"""Monday..Sunday: Friday evening and the weekend bring more fans in."""
PROPENSITY_SCALE = 0.045
PROPENSITY_SHAPE = 1.6
MAX_PROPENSITY = 0.9
_CUMULATIVE = tuple(accumulate(HOURLY))


def propensity(rng: random.Random) -> float:
    """A fan's chance of acting on an average weekday: Pareto-tailed (median about 7%, a few near-daily fans)."""
    return min(MAX_PROPENSITY, PROPENSITY_SCALE * rng.paretovariate(PROPENSITY_SHAPE))


def active_today(rng: random.Random, fan_propensity: float, weekday: int) -> bool:
    return rng.random() < min(MAX_PROPENSITY, fan_propensity * WEEKDAY_LIFT[weekday])


def hour(rng: random.Random) -> int:
    """A local hour drawn from the daily curve."""
    return rng.choices(range(24), cum_weights=_CUMULATIVE)[0]
