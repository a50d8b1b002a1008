"""A count in the latest window against the same-length windows before it: the real-time surge test.

Used by rules on event counts kept in short buckets (flags, rejected webhooks). A level needs
both a robust z against the earlier windows and a count: on a quiet counter (median 0, MAD 0)
the floored scale makes z the count itself, so the count ladder is what decides; on a busy one
the z does. Without `min_history` earlier windows there is no judgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts.model import Level
from chalicelib.domain.risk.levels import Ladder, lowest
from chalicelib.domain.risk.stats import Baseline, ScaleFloor, baseline, window_counts


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


def judge(buckets: Mapping[datetime, float], now: datetime, since: datetime | None, rule: BurstRule) -> Burst:
    count, earlier = window_counts(buckets, now, rule.window, rule.history_windows, since)
    base = baseline(earlier, rule.floor, min_history=rule.min_history_windows)
    level = None if base is None else lowest(rule.z_levels.level(base.z(count)), rule.counts.level(count))
    return Burst(count, base, level)
