"""Tier order (a reward's `min_tier` admits that tier and every tier above it), and a fan's downgrade warning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Tier = Literal["silent", "potential", "active", "head"]
TIERS: tuple[Tier, ...] = ("silent", "potential", "active", "head")
LIFECYCLE_STAGES = ("awareness", "interest", "participation", "loyalty", "advocacy", "churned")
RECALCULATION_JOB = "recalculate-tiers"  # its latest run holds the cut-offs a profile's tier progress is shown against


def meets(tier: str, min_tier: str | None) -> bool:
    if min_tier is None:
        return True
    return TIERS.index(tier) >= TIERS.index(min_tier)


@dataclass(frozen=True)
class DowngradeWarning:
    """`to` the tier the fan will move down to at the monthly run `on`, unless their score recovers."""

    to: Tier
    on: date

    def to_dict(self) -> dict[str, str]:
        return {"to": self.to, "on": self.on.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DowngradeWarning:
        to = data["to"]
        if to not in TIERS:
            raise ValueError(f"unknown tier {to!r}")
        tier: Tier = to
        return cls(tier, date.fromisoformat(data["on"]))


@dataclass(frozen=True)
class TierRules:
    """Cumulative shares (head, active, potential); exit shares are the wider band a tier is kept in."""

    entry_shares: tuple[float, float, float] = (0.05, 0.25, 0.55)
    exit_shares: tuple[float, float, float] = (0.075, 0.30, 0.60)
    warning_days: int = 7

    def __post_init__(self) -> None:
        entry, leave = self.entry_shares, self.exit_shares
        if not (0 < entry[0] <= entry[1] <= entry[2] <= 1 and leave[0] <= leave[1] <= leave[2] <= 1):
            raise ValueError("shares must be cumulative: 0 < head <= active <= potential <= 1")
        if any(out < into for into, out in zip(entry, leave, strict=True)):
            raise ValueError("an exit share cannot be narrower than its entry share")
        if not 1 <= self.warning_days <= 27:
            raise ValueError("the warning must fall after the previous monthly run: 1 to 27 days")
