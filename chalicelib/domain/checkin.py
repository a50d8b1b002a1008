"""Check-in earning rules: base points plus streak bonuses, both configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreakBonus:
    """Extra points on every `every`-th consecutive day (7 → days 7, 14, 21, ...)."""

    every: int
    points: int


@dataclass(frozen=True)
class CheckinRules:
    base_points: int
    streak_bonuses: tuple[StreakBonus, ...]

    def points_for(self, streak: int) -> int:
        bonus = sum(b.points for b in self.streak_bonuses if streak % b.every == 0)
        return self.base_points + bonus
