"""Tiers by rank of engagement score: exact cut-offs, hysteresis, and the downgrade warning.

Rank rule. Sort all N fans by score, highest first, and number them from 1. For a tier with
cumulative share s (head 0.05, active 0.25, potential 0.55), its rank is k = ceil(s * N), taken
on the decimal the share is written as (0.55 * 100 is 55, not 56), and at least 1. The tier's
cut-off is the score of the fan at rank k, but never below 1; every fan whose score is at least
the cut-off is in that tier or a higher one. Hence:

* ties at a cut-off all go up, so the fans in a tier *or above* number at least k and at most
  k - 1 + the fans tied at the cut-off; a tier's own count can fall short of its nominal share
  by the ties the tier above took;
* score 0 never reaches a cut-off, so zero-score fans rank `silent`; when fewer than k fans
  score above 0, the cut-off is 1 and every fan with points ranks in that tier or above (more
  than 45% at 0 makes `silent` larger than 45%);
* the top fan sits at rank 1, so with any points in the population at least one fan ranks
  `head`, however few the fans (with 10 fans, k = 1 for head, 3 for active, 6 for potential);
* with no fans, or no points, every cut-off is 1;
* cut-offs never increase from head to active to potential, as their ranks only grow.

Exit cut-offs follow the same rule with the wider exit shares (7.5%, 30%, 60%): a fan keeps a
tier while its score is at least that tier's exit cut-off.

Runs. Every community day has one run; the run on the 1st of a month, in the community time
zone, is the monthly run, the others are daily. Any run promotes a fan whose score reaches a
higher tier's entry cut-off straight to that tier. Only the monthly run demotes, one tier at
most, and only a fan below its tier's exit cut-off at that run *and* warned for that run. The
warning is issued by the run `warning_days` (7) before the monthly run, to every fan then below
its exit cut-off, so no fan is demoted without a week's notice; a fan who drops below only in
the last week is held until the next month. A fan whose rank is below its tier but who keeps it
is counted `held_by_hysteresis`.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import accumulate
from typing import Any, Literal

from chalicelib.domain import days
from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.domain.tiers import TIERS, DowngradeWarning, Tier, TierRules

RunKind = Literal["daily", "monthly"]
Reason = Literal["promoted", "demoted", "held_by_hysteresis", "unchanged"]
RANKED: tuple[Tier, ...] = ("head", "active", "potential")  # the tiers with a cut-off, highest first
MIN_CUTOFF = 1  # score 0 is silent whatever the rank


@dataclass(frozen=True)
class Cutoffs:
    """The least score of each ranked tier; every score >= a cut-off is in that tier or above."""

    head: int
    active: int
    potential: int

    @property
    def ranked(self) -> tuple[int, int, int]:
        """In the order of `RANKED`: head, active, potential."""
        return (self.head, self.active, self.potential)

    def of(self, tier: Tier) -> int | None:
        return None if tier == "silent" else self.ranked[RANKED.index(tier)]

    def tier_of(self, score: int) -> Tier:
        return next((tier for tier, cut in zip(RANKED, self.ranked, strict=True) if score >= cut), "silent")

    def to_dict(self) -> dict[str, int]:
        return {"head": self.head, "active": self.active, "potential": self.potential}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cutoffs:
        return cls(int(data["head"]), int(data["active"]), int(data["potential"]))


@dataclass(frozen=True)
class Ranking:
    """One run's cut-offs; `by_rank` counts fans per tier by rank alone, before hysteresis."""

    fans: int
    entry: Cutoffs
    exit: Cutoffs
    by_rank: Mapping[Tier, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fans": self.fans,
            "entry": self.entry.to_dict(),
            "exit": self.exit.to_dict(),
            "by_rank": dict(self.by_rank),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ranking:
        by_rank = {tier: int(data["by_rank"][tier]) for tier in TIERS}
        return cls(int(data["fans"]), Cutoffs.from_dict(data["entry"]), Cutoffs.from_dict(data["exit"]), by_rank)


def rank_of(share: float, fans: int) -> int:
    """The 1-based rank a cumulative share reaches: ceil(share * fans) on the share's decimal, at least 1."""
    return max(1, math.ceil(Fraction(str(share)) * fans))


def cutoffs(histogram: ScoreHistogram, shares: tuple[float, float, float]) -> Cutoffs:
    """Each cumulative share's cut-off by the rank rule above: one pass over the bins, whatever N."""
    bins = histogram.bins
    reached = list(accumulate(n for _, n in bins))
    fans = reached[-1] if reached else 0

    def score_at(rank: int) -> int:
        index = bisect_left(reached, rank)
        return max(MIN_CUTOFF, bins[index][0] if index < len(bins) else 0)

    head, active, potential = (score_at(rank_of(share, fans)) for share in shares)
    return Cutoffs(head, active, potential)


def rank(histogram: ScoreHistogram, rules: TierRules) -> Ranking:
    """Entry and exit cut-offs of the whole population, from its (merged) histogram."""
    entry = cutoffs(histogram, rules.entry_shares)
    fans = histogram.fans
    at_or_above = [histogram.at_least(score) for score in entry.ranked]
    by_rank: dict[Tier, int] = {
        "head": at_or_above[0],
        "active": at_or_above[1] - at_or_above[0],
        "potential": at_or_above[2] - at_or_above[1],
        "silent": fans - at_or_above[2],
    }
    return Ranking(fans, entry, cutoffs(histogram, rules.exit_shares), by_rank)


def tier_above(tier: Tier) -> Tier | None:
    index = TIERS.index(tier) + 1
    return TIERS[index] if index < len(TIERS) else None


def tier_below(tier: Tier) -> Tier | None:
    index = TIERS.index(tier) - 1
    return TIERS[index] if index >= 0 else None


def run_kind(run_on: date) -> RunKind:
    """`run_on` is the community day the run is for, not the wall clock of a late retry."""
    return "monthly" if run_on.day == 1 else "daily"


def next_monthly_run(today: date) -> date:
    """The 1st of the month after `today` (on a 1st, the following month's)."""
    return days.add_months(days.month_key(today), 1)


@dataclass(frozen=True)
class TierChange:
    previous: Tier
    tier: Tier
    reason: Reason

    @property
    def changed(self) -> bool:
        return self.tier != self.previous


def below_exit(tier: Tier, score: int, ranking: Ranking) -> bool:
    """Whether a fan in `tier` with `score` is outside the band that keeps it (never for silent)."""
    keep = ranking.exit.of(tier)
    return keep is not None and score < keep


def next_tier(
    current: Tier, score: int, ranking: Ranking, run_on: date, warning: DowngradeWarning | None = None
) -> TierChange:
    """The fan's tier after the run for `run_on`; `warning` is the one the fan holds, if any."""
    ranked = ranking.entry.tier_of(score)
    if TIERS.index(ranked) > TIERS.index(current):
        return TierChange(current, ranked, "promoted")
    if ranked == current:
        return TierChange(current, current, "unchanged")
    lower = tier_below(current)
    warned = warning is not None and warning.on == run_on and warning.to == lower
    if run_kind(run_on) == "monthly" and warned and lower is not None and below_exit(current, score, ranking):
        return TierChange(current, lower, "demoted")
    return TierChange(current, current, "held_by_hysteresis")


def downgrade_warning(
    tier: Tier, score: int, ranking: Ranking, today: date, rules: TierRules
) -> DowngradeWarning | None:
    """The warning the run for `today` issues: only the run `warning_days` before a monthly run does."""
    run_on = next_monthly_run(today)
    lower = tier_below(tier)
    if today != run_on - timedelta(days=rules.warning_days) or lower is None or not below_exit(tier, score, ranking):
        return None
    return DowngradeWarning(lower, run_on)


def pending(warning: DowngradeWarning | None, tier: Tier, today: date) -> bool:
    """Whether a held warning still applies: its run is after `today`, and it was issued for this tier."""
    return warning is not None and warning.on > today and warning.to == tier_below(tier)


@dataclass(frozen=True)
class TierDecision:
    """What one run decides for one fan: the change, the warning to keep, and whether to announce it.

    `announce` is true only when the warning is new, so a re-run of the same day sends no second
    `TierDowngradeWarning`.
    """

    change: TierChange
    warning: DowngradeWarning | None
    announce: bool


def decide(
    current: Tier, score: int, ranking: Ranking, run_on: date, warning: DowngradeWarning | None, rules: TierRules
) -> TierDecision:
    change = next_tier(current, score, ranking, run_on, warning)
    issued = downgrade_warning(change.tier, score, ranking, run_on, rules)
    if issued is not None:
        return TierDecision(change, issued, issued != warning)
    kept = warning if pending(warning, change.tier, run_on) else None
    return TierDecision(change, kept, False)


@dataclass(frozen=True)
class TierProgress:
    """The profile's `tier_progress`.

    `score_to_next`: points still needed to reach the next tier's entry cut-off (0 once reached:
    the next run promotes), None at head. `score_to_keep`: score minus the current tier's exit
    cut-off; 0 or more is the margin the fan can lose and keep the tier, below 0 its size is
    the points needed to get back in the band; None for silent, which has nothing to keep.
    """

    score: int
    next_tier: Tier | None
    score_to_next: int | None
    score_to_keep: int | None
    downgrade_warning: DowngradeWarning | None

    def to_dict(self) -> dict[str, Any]:
        warning = self.downgrade_warning
        return {
            "score": self.score,
            "next_tier": self.next_tier,
            "score_to_next": self.score_to_next,
            "score_to_keep": self.score_to_keep,
            "downgrade_warning": None if warning is None else warning.to_dict(),
        }


def tier_progress(
    tier: Tier, score: int, ranking: Ranking | None, warning: DowngradeWarning | None, today: date
) -> TierProgress:
    """The warning is shown only while it would still be carried out: held for this tier, its run
    still ahead (the run day itself is the run's), and the fan still below the exit cut-off.
    Before the first recalculation there are no cut-offs, so no distances and no warning."""
    above = tier_above(tier)
    if ranking is None:
        return TierProgress(score, above, None, None, None)
    entry = None if above is None else ranking.entry.of(above)
    keep = ranking.exit.of(tier)
    shown = warning if pending(warning, tier, today) and below_exit(tier, score, ranking) else None
    return TierProgress(
        score,
        above,
        None if entry is None else max(0, entry - score),
        None if keep is None else score - keep,
        shown,
    )
