"""A ratio kept with its numerator and denominator, so that any period can be re-aggregated exactly.

Averaging daily values would weigh a quiet Sunday like a busy Saturday; summing numerators and
denominators gives the pooled ratio of the period instead. A ratio over nothing (denominator 0)
has no value (`None`), never 0: a chart or a drop detector must not read "undefined" as a fall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ratio:
    """`numerator` is a count, except for a sum of fractions (view completion)."""

    numerator: float
    denominator: int

    def __post_init__(self) -> None:
        if self.numerator < 0 or self.denominator < 0:
            raise ValueError("a KPI ratio counts things: numerator and denominator are >= 0")

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ratio:
        """The inverse of `to_dict`; the value is recomputed, never trusted."""
        numerator = data["numerator"]
        if isinstance(numerator, bool) or not isinstance(numerator, int | float):
            raise ValueError(f"a ratio's numerator is a number, not {numerator!r}")
        return cls(numerator, int(data["denominator"]))


def pooled(ratios: Iterable[Ratio]) -> Ratio:
    """The ratio of a period: its numerators over its denominators (no ratios: 0 / 0)."""
    numerator: float = 0
    denominator = 0
    for ratio in ratios:
        numerator += ratio.numerator
        denominator += ratio.denominator
    return Ratio(numerator, denominator)
