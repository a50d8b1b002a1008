"""The day's earners as a log-binned histogram: how many fans earned how much, in constant space.

Points farming compares a fan with every fan who earned that day. Keeping each fan's total would
grow with the community; a histogram of log(1 + points) in bins of `BIN_WIDTH` holds a few dozen
counts whatever the number of fans (a million points is bin 138), and its median and MAD are
those of the totals to within half a bin, far finer than the rule's scale floor (0.35).
The fans stream moves a fan from the bin of its old total to that of its new one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from datetime import date

from chalicelib.domain.fan import DayEarnings
from chalicelib.domain.risk.stats import MAD_TO_SD, Baseline, ScaleFloor

BIN_WIDTH = 0.1  # in log(1 + points)


def bin_of(points: int) -> int:
    return int(math.log1p(max(points, 0)) / BIN_WIDTH)


def centre(bin_: int) -> float:
    """The log(1 + points) a bin stands for."""
    return (bin_ + 0.5) * BIN_WIDTH


def moves(old: DayEarnings | None, new: DayEarnings | None) -> Counter[tuple[date, int]]:
    """The (day, bin) counts one write of a fan changes: out of the old total's bin, into the new one's.

    A new day's first earning adds the fan to that day; the day before keeps its final total.
    """
    changed: Counter[tuple[date, int]] = Counter()
    if new is None or new == old or new.points <= 0:
        return changed
    if old is not None and old.day == new.day and old.points > 0:
        changed[(old.day, bin_of(old.points))] -= 1
    changed[(new.day, bin_of(new.points))] += 1
    return Counter({key: n for key, n in changed.items() if n})


def baseline(histogram: Mapping[int, int], floor: ScaleFloor, *, min_peers: int) -> Baseline | None:
    """Median and MAD (as `stats.baseline` takes them) of the binned values; None with fewer than `min_peers` fans."""
    counted = {bin_: n for bin_, n in histogram.items() if n > 0}
    size = sum(counted.values())
    if size < max(min_peers, 1):
        return None
    middle = _weighted_median({centre(b): n for b, n in counted.items()})
    spread = _weighted_median(_deviations(counted, middle))
    floors = [floor.absolute, floor.relative * abs(middle)]
    if floor.poisson:
        floors.append(math.sqrt(max(middle, 0.0)))
    return Baseline(middle, max(MAD_TO_SD * spread, *floors), size)


def _deviations(counted: Mapping[int, int], middle: float) -> dict[float, int]:
    found: Counter[float] = Counter()
    for bin_, n in counted.items():
        found[round(abs(centre(bin_) - middle), 9)] += n
    return dict(found)


def _weighted_median(weights: Mapping[float, int]) -> float:
    """The median of a multiset given as value -> count (the mean of the two middle values for an even size)."""
    ordered = sorted(weights.items())
    size = sum(n for _, n in ordered)
    low, high = (size - 1) // 2, size // 2
    lower = upper = ordered[0][0]
    seen = 0
    for value, n in ordered:
        if seen <= low < seen + n:
            lower = value
        if seen <= high < seen + n:
            upper = value
        seen += n
    return (lower + upper) / 2
