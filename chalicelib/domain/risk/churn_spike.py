"""Churn spike: far more fans moved to `churned` on a day than on the days before.

Judged once a day on the update-lifecycle run's count. A level needs both a robust z against
the last `baseline_days` days (median and MAD, the scale floored by sqrt(median) and a share of
it) and a size: at least `min_volume` fans and `ratios` times the median. Days before the
community could churn anyone (`first_day` + `settle_days`) are no baseline: the first cohort
reaching 30 idle days is a start-up, not a spike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.domain.alerts.model import Category, Observation
from chalicelib.domain.risk.levels import Ladder, Timing, lowest
from chalicelib.domain.risk.stats import ScaleFloor, baseline

RULE = "churn_spike"
CATEGORY: Category = "user"
RUNBOOK = "operations.md#churn-spike"
SCOPE = "community"


@dataclass(frozen=True)
class ChurnInput:
    """`churned`: transitions into `churned` on `day`; `history`: the same count on earlier days.

    `first_day`: the community's first day with fans (None: unknown, every day counts).
    """

    day: date
    churned: int
    history: Mapping[date, int]
    first_day: date | None = None


@dataclass(frozen=True)
class ChurnSpikeConfig:
    baseline_days: int = 28
    min_history_days: int = 14
    settle_days: int = 30
    min_volume: int = 20
    floor: ScaleFloor = field(default_factory=lambda: ScaleFloor(absolute=2.0, relative=0.1))
    z_levels: Ladder = field(default_factory=lambda: Ladder(warning=5.0, activate=7.5, escalate=12.0))
    ratios: Ladder = field(default_factory=lambda: Ladder(warning=1.5, activate=2.5, escalate=4.0))
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(0)))


def evaluate(signal: ChurnInput, config: ChurnSpikeConfig) -> list[Observation]:
    settled = None if signal.first_day is None else signal.first_day + timedelta(days=config.settle_days)
    window = [signal.day - timedelta(days=n) for n in range(1, config.baseline_days + 1)]
    values = [signal.history[d] for d in window if d in signal.history and (settled is None or d >= settled)]
    base = baseline(values, config.floor, min_history=config.min_history_days)
    level = None
    z = ratio = None
    if base is not None:
        z = base.z(signal.churned)
        ratio = signal.churned / max(base.median, 1.0)
        if signal.churned >= config.min_volume:
            level = lowest(config.z_levels.level(z), config.ratios.level(ratio))
    evidence = {
        "day": signal.day.isoformat(),
        "churned": signal.churned,
        "history_days": len(values),
        "baseline_median": None if base is None else base.median,
        "baseline_scale": None if base is None else round(base.scale, 2),
        "z": None if z is None else round(z, 2),
        "ratio_to_median": None if ratio is None else round(ratio, 2),
    }
    if level:
        summary = f"{signal.churned} fans churned on {signal.day}, {evidence['ratio_to_median']}x the usual."
    elif base is None:
        summary = f"{signal.churned} fans churned on {signal.day}; too little history to judge."
    else:
        summary = f"{signal.churned} fans churned on {signal.day}, within the usual range."
    return [
        Observation(
            RULE,
            CATEGORY,
            SCOPE,
            level,
            title="Churn spike",
            summary=summary,
            evidence=evidence,
            runbook=RUNBOOK,
            inhibited_by_technical=True,
        )
    ]
