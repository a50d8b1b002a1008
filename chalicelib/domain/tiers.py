"""Tier order (a reward's `min_tier` admits that tier and every tier above it), and a fan's downgrade warning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Tier = Literal["silent", "potential", "active", "head"]
TIERS: tuple[Tier, ...] = ("silent", "potential", "active", "head")
LIFECYCLE_STAGES = ("awareness", "interest", "participation", "loyalty", "advocacy", "churned")


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
