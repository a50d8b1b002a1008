"""Tier order: a reward's `min_tier` admits that tier and every tier above it."""

from __future__ import annotations

from typing import Literal

Tier = Literal["silent", "potential", "active", "head"]
TIERS: tuple[Tier, ...] = ("silent", "potential", "active", "head")
LIFECYCLE_STAGES = ("awareness", "interest", "participation", "loyalty", "advocacy", "churned")


def meets(tier: str, min_tier: str | None) -> bool:
    if min_tier is None:
        return True
    return TIERS.index(tier) >= TIERS.index(min_tier)
