"""Points farming: fans earning far above their peers today, or pinned at every daily cap.

Earnings are heavy-tailed (most fans check in, a few engage a lot), so peers are compared on
log(1 + points): a fan is far above them at a robust z of `z_threshold` there *and* at least
`min_points`, a floor set above what the default caps let anyone earn in a day, so that a keen
fan alone never trips it; "far above" then means an uncapped path (referrals, a cap set too
high, a bug). Being at the cap of every kind in `pinned_kinds` on one day is the other pattern:
scripts max everything, people rarely do; a lone superfan may, so pinned fans count toward a
level from `pinned_levels.warning` (3) on the same day. All hits make one observation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.alerts.evidence import top
from chalicelib.domain.alerts.model import Category, Observation
from chalicelib.domain.risk import peers as binned
from chalicelib.domain.risk.levels import Ladder, Timing, highest
from chalicelib.domain.risk.stats import ScaleFloor, baseline

RULE = "points_farming"
CATEGORY: Category = "user"
RUNBOOK = "operations.md#points-farming"
SCOPE = "community"


@dataclass(frozen=True)
class FanEarnings:
    """What one fan earned so far on the community day, and the kinds whose daily cap it reached."""

    fan_id: str
    points: int
    capped_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PointsFarmingInput:
    """The fans to judge on `day`, and their peers: every fan who earned that day, as a histogram of
    `peers.bin_of(points)` -> fans (kept by the fans stream), or when None the `fans` themselves."""

    day: date
    fans: Sequence[FanEarnings]
    peers: Mapping[int, int] | None = None


@dataclass(frozen=True)
class PointsFarmingConfig:
    z_threshold: float = 6.0
    min_points: int = 200
    min_peers: int = 30
    floor: ScaleFloor = field(default_factory=lambda: ScaleFloor(absolute=0.35, poisson=False))
    pinned_kinds: frozenset[str] = frozenset({"liked", "commented", "shared", "viewed"})
    far_above_levels: Ladder = field(default_factory=lambda: Ladder(warning=1, activate=5, escalate=25))  # fans
    pinned_levels: Ladder = field(default_factory=lambda: Ladder(warning=3, activate=10, escalate=40))  # fans
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(hours=1)))


def evaluate(signal: PointsFarmingInput, config: PointsFarmingConfig) -> list[Observation]:
    earners = [fan for fan in signal.fans if fan.points > 0]
    if signal.peers is None:
        peers = baseline([math.log1p(fan.points) for fan in earners], config.floor, min_history=config.min_peers)
        peer_count = len(earners)
    else:
        peers = binned.baseline(signal.peers, config.floor, min_peers=config.min_peers)
        peer_count = sum(n for n in signal.peers.values() if n > 0)
    flagged: list[dict[str, Any]] = []
    for fan in sorted(earners, key=lambda f: (-f.points, f.fan_id)):
        z = None if peers is None else peers.z(math.log1p(fan.points))
        reasons = []
        if z is not None and z >= config.z_threshold and fan.points >= config.min_points:
            reasons.append("far_above_peers")
        if config.pinned_kinds and config.pinned_kinds <= fan.capped_kinds:
            reasons.append("pinned_at_every_cap")
        if reasons:
            flagged.append({"fan_id": fan.fan_id, "points": fan.points, "z": _rounded(z), "reasons": reasons})
    far_above = sum("far_above_peers" in fan["reasons"] for fan in flagged)
    pinned = sum("pinned_at_every_cap" in fan["reasons"] for fan in flagged)
    level = highest(config.far_above_levels.level(far_above), config.pinned_levels.level(pinned))
    evidence = {
        "day": signal.day.isoformat(),
        "peers": peer_count,
        "far_above_peers": far_above,
        "pinned_at_every_cap": pinned,
        "peer_median_points": None if peers is None else round(math.expm1(peers.median), 1),
        "fans": top(flagged),
    }
    summary = (
        f"{len(flagged)} fans earned far above their {peer_count} peers or hit every daily cap on {signal.day}."
        if flagged
        else f"No fan earned far above their {peer_count} peers or hit every daily cap on {signal.day}."
    )
    return [
        Observation(
            RULE, CATEGORY, SCOPE, level, title="Points farming", summary=summary, evidence=evidence, runbook=RUNBOOK
        )
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
