"""A count in the latest window against the same-length windows before it: the real-time surge test.

Used by rules on event counts kept in short buckets (flags, rejected webhooks). A level needs
both a robust z against the earlier windows and a count: on a quiet counter (median 0, MAD 0)
the floored scale makes z the count itself, so the count ladder is what decides; on a busy one
the z does. Without `min_history` earlier windows there is no judgement.

A short window on a sparse counter has a median of 0 even when events are common (40 a day is 0.14
per 5 minutes), so z would be the count itself. `judge_rate` tests it as counts are tested: the
chance of at least the count under a Poisson law at the earlier windows' mean rate, as -log10 of
that chance (6: one in a million windows), beside a count ladder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts.model import Level
from chalicelib.domain.risk.levels import Ladder, lowest
from chalicelib.domain.risk.stats import Baseline, ScaleFloor, baseline, poisson_surprise, window_counts


@dataclass(frozen=True)
class BurstRule:
    window: timedelta
    history_windows: int
    min_history_windows: int
    floor: ScaleFloor
    z_levels: Ladder
    counts: Ladder

    def __post_init__(self) -> None:
        if not 1 <= self.min_history_windows <= self.history_windows:
            raise ValueError("min_history_windows is 1 to history_windows")


@dataclass(frozen=True)
class Burst:
    count: float
    baseline: Baseline | None
    level: Level | None

    @property
    def z(self) -> float | None:
        return None if self.baseline is None else self.baseline.z(self.count)

    def evidence(self, rule: BurstRule) -> dict[str, Any]:
        base = self.baseline
        return {
            "window_minutes": rule.window / timedelta(minutes=1),
            "count": self.count,
            "history_windows": 0 if base is None else base.size,
            "baseline_median": None if base is None else base.median,
            "baseline_scale": None if base is None else round(base.scale, 2),
            "z": None if self.z is None else round(self.z, 2),
        }


@dataclass(frozen=True)
class RateRule:
    window: timedelta
    history_windows: int
    min_history_windows: int
    surprise: Ladder  # -log10 P(count or more | the earlier windows' mean)
    counts: Ladder

    def __post_init__(self) -> None:
        if not 1 <= self.min_history_windows <= self.history_windows:
            raise ValueError("min_history_windows is 1 to history_windows")


@dataclass(frozen=True)
class Rate:
    count: float
    history: int
    mean: float | None
    surprise: float | None
    level: Level | None

    def evidence(self, rule: RateRule) -> dict[str, Any]:
        return {
            "window_minutes": rule.window / timedelta(minutes=1),
            "count": self.count,
            "history_windows": self.history,
            "baseline_mean": None if self.mean is None else round(self.mean, 4),
            "surprise": None if self.surprise is None else round(self.surprise, 1),
        }


def judge_rate(buckets: Mapping[datetime, float], now: datetime, since: datetime | None, rule: RateRule) -> Rate:
    count, earlier = window_counts(buckets, now, rule.window, rule.history_windows, since)
    if len(earlier) < rule.min_history_windows:
        return Rate(count, len(earlier), None, None, None)
    mean = sum(earlier) / len(earlier)
    surprise = poisson_surprise(int(count), mean)
    return Rate(count, len(earlier), mean, surprise, lowest(rule.surprise.level(surprise), rule.counts.level(count)))


def judge(buckets: Mapping[datetime, float], now: datetime, since: datetime | None, rule: BurstRule) -> Burst:
    count, earlier = window_counts(buckets, now, rule.window, rule.history_windows, since)
    base = baseline(earlier, rule.floor, min_history=rule.min_history_windows)
    level = None if base is None else lowest(rule.z_levels.level(base.z(count)), rule.counts.level(count))
    return Burst(count, base, level)
