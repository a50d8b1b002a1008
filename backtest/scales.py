"""Mapping values to chart coordinates, with round tick values; safe for zero spans and huge values.

Every value axis includes zero (levels and stacked counts read from a baseline, and small multiples with
their own zero cannot exaggerate a wobble). Arithmetic is scaled so that values near the float maximum
neither overflow nor produce NaN coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Linear:
    """`domain` onto `span` (pixels; the span may run downwards, as a y axis does)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        scale = max(abs(self.low), abs(self.high), 1e-300)
        width = self.high / scale - self.low / scale
        if width == 0:
            return (self.start + self.end) / 2
        share = (value / scale - self.low / scale) / width
        return self.start + min(max(share, 0.0), 1.0) * (self.end - self.start)


@dataclass(frozen=True)
class Ticks:
    low: float
    high: float
    values: tuple[float, ...]


def ticks(values: Iterable[float], count: int = 4) -> Ticks:
    """Round tick values covering zero and every value, about `count` intervals (0 to 1 when all are zero)."""
    every = [0.0, *values]
    low, high = min(every), max(every)
    raw = high / count - low / count
    if raw < 1e-300:
        return Ticks(0.0, 1.0, tuple(step / count for step in range(count + 1)))
    base = 10.0 ** math.floor(math.log10(raw))
    step = next(base * m for m in STEPS if base * m >= raw * (1 - 1e-9))
    first = math.floor(low / step)
    last = math.ceil(high / step)
    nice_low = _finite_or(first * step, low)
    nice_high = _finite_or(last * step, high)
    inner = tuple(index * step for index in range(first + 1, last) if math.isfinite(index * step))
    return Ticks(nice_low, nice_high, (nice_low, *inner, nice_high))


def _finite_or(value: float, fallback: float) -> float:
    return value if math.isfinite(value) else fallback


def day_labels(days: int, most: int = 10) -> range:
    """Indices of the days to label, at most `most` of them, evenly spaced from the first."""
    return range(0, days, max(1, math.ceil(days / most)))
