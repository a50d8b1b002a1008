"""Robust statistics for baselines: median, MAD, a scale with a floor, same-weekday history.

The median and the median absolute deviation ignore the odd outlier in a baseline (a past outage,
a launch day), where a mean and a standard deviation would be dragged by it. MAD is 0 whenever
more than half the baseline is the same value (a quiet counter that is usually 0, or a flat
series), so every scale has a floor: an absolute one, one relative to the median, and for counts
the Poisson spread sqrt(median), the least noise a count of independent events shows.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MAD_TO_SD = 1.4826  # MAD times this estimates the standard deviation of normal data
_TICK = timedelta(microseconds=1)
SURPRISE_CAP = 50.0


@dataclass(frozen=True)
class ScaleFloor:
    """The least scale a baseline is given: max(absolute, relative * |median|, sqrt(median) for counts)."""

    absolute: float = 1.0
    relative: float = 0.0
    poisson: bool = True

    def __post_init__(self) -> None:
        if self.absolute <= 0 or self.relative < 0:
            raise ValueError("a scale floor is positive: absolute > 0, relative >= 0")


@dataclass(frozen=True)
class Baseline:
    """A robust centre and spread of `size` past values."""

    median: float
    scale: float
    size: int

    def z(self, value: float) -> float:
        """How many scales `value` lies above the median (negative below)."""
        return (value - self.median) / self.scale


def poisson_surprise(count: int, mean: float) -> float:
    """-log10 of the chance of `count` or more events when `mean` are expected (a Poisson law), at most 50.

    A mean of 0 (nothing in the history) makes any event a surprise: the count ladder must decide.
    """
    if count <= 0:
        return 0.0
    if mean <= 0:
        return SURPRISE_CAP
    if count <= mean:
        below = sum(math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(count))
        return -math.log10(max(1.0 - below, 10**-SURPRISE_CAP))
    term = math.exp(count * math.log(mean) - mean - math.lgamma(count + 1))  # P(count); later terms shrink
    tail, k = 0.0, count
    while term > tail * 1e-12 and term > 0:
        tail += term
        k += 1
        term *= mean / k
    return SURPRISE_CAP if tail <= 0 else min(SURPRISE_CAP, -math.log10(tail))


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("the median of nothing is undefined")
    return float(statistics.median(values))


def mad(values: Sequence[float]) -> float:
    """The median absolute deviation from the median."""
    centre = median(values)
    return median([abs(value - centre) for value in values])


def scale(values: Sequence[float], floor: ScaleFloor) -> float:
    """MAD scaled to a standard deviation, never below the floor."""
    centre = median(values)
    floors = [floor.absolute, floor.relative * abs(centre)]
    if floor.poisson:
        floors.append(math.sqrt(max(centre, 0.0)))
    return max(MAD_TO_SD * mad(values), *floors)


def baseline(
    values: Sequence[float], floor: ScaleFloor, *, min_history: int, min_volume: float | None = None
) -> Baseline | None:
    """The baseline of `values`, or None without `min_history` values or with a median below `min_volume`.

    No baseline means no judgement: a rule stays quiet rather than compare with too little.
    """
    if len(values) < max(min_history, 1):
        return None
    centre = median(values)
    if min_volume is not None and centre < min_volume:
        return None
    return Baseline(centre, scale(values, floor), len(values))


def same_weekday(series: Mapping[date, float], day: date, weeks: int) -> list[float]:
    """The values of the same weekday in each of the `weeks` weeks before `day`; missing days are left out."""
    found = (series.get(day - timedelta(weeks=n)) for n in range(1, weeks + 1))
    return [value for value in found if value is not None]


def same_weekday_baseline(
    series: Mapping[date, float],
    day: date,
    floor: ScaleFloor,
    *,
    weeks: int,
    min_weeks: int,
    min_volume: float | None = None,
) -> Baseline | None:
    """The baseline of `day` from the same weekday of recent weeks, with the history and volume guards."""
    return baseline(same_weekday(series, day, weeks), floor, min_history=min_weeks, min_volume=min_volume)


def window_counts(
    buckets: Mapping[datetime, float], end: datetime, window: timedelta, windows: int, since: datetime | None = None
) -> tuple[float, list[float]]:
    """The total in the window before `end`, and in each of up to `windows` earlier windows (newest first).

    `buckets` are counts keyed by the start of their bucket (e.g. 5 minutes), a whole number of
    which make a window: a bucket is in the window [end - window, end). Earlier windows that start
    before `since` (when counting began) are left out: an empty bucket there is no data, not 0.
    """
    if window <= timedelta(0):
        raise ValueError("a window is a positive duration")
    current = 0.0
    earlier = [0.0] * windows
    for start, count in buckets.items():
        age = end - start
        if age <= timedelta(0):
            continue
        index = (age - _TICK) // window
        if index == 0:
            current += count
        elif index <= windows:
            earlier[index - 1] += count
    kept = [
        total for n, total in enumerate(earlier, start=1) if since is None or end - (n + 1) * window >= since
    ]
    return current, kept


def weekly_windows(
    buckets: Mapping[datetime, float], end: datetime, window: timedelta, weeks: int, since: datetime | None = None
) -> tuple[float, list[float | None]]:
    """The total in the window before `end`, and in the same window 1..`weeks` weeks earlier (newest first).

    A week whose window starts before `since` has no data (None), unlike a window that counted 0.
    """
    totals = [0.0] * (weeks + 1)
    bounds = [(end - timedelta(weeks=n) - window, end - timedelta(weeks=n)) for n in range(weeks + 1)]
    for start, count in buckets.items():
        for n, (low, high) in enumerate(bounds):
            if low <= start < high:
                totals[n] += count
    history: list[float | None] = [
        None if since is not None and end - timedelta(weeks=n) - window < since else totals[n]
        for n in range(1, weeks + 1)
    ]
    return totals[0], history

