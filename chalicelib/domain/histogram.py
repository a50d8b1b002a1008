"""An exact count of fans per integer score, built per scan segment and merged by a coordinator.

Its size is the number of distinct scores, not of fans, so a worker can count its segment from a
stream and hand on a small, JSON-able partial; merging partials gives exactly the histogram of
the whole population, and so exact percentile cut-offs, ties included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

FORMAT = 1


@dataclass(frozen=True)
class ScoreHistogram:
    """`bins`: (score, fans) pairs, scores strictly descending, every count positive.

    One canonical form, so two histograms of the same population are equal whatever the order
    the scores were counted or merged in.
    """

    bins: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        previous: int | None = None
        for score, fans in self.bins:
            if score < 0 or fans <= 0:
                raise ValueError(f"a bin needs a score >= 0 and a positive count, not {score}: {fans}")
            if previous is not None and score >= previous:
                raise ValueError("bins must be in strictly descending score order")
            previous = score

    @classmethod
    def of(cls, scores: Iterable[int]) -> ScoreHistogram:
        """Count a stream of scores; the stream is consumed once and never held."""
        return cls.from_counts(Counter(scores))

    @classmethod
    def from_counts(cls, counts: Mapping[int, int]) -> ScoreHistogram:
        return cls(tuple(sorted(((s, n) for s, n in counts.items() if n), reverse=True)))

    @classmethod
    def merge(cls, partials: Iterable[ScoreHistogram]) -> ScoreHistogram:
        total: Counter[int] = Counter()
        for partial in partials:
            for score, fans in partial.bins:
                total[score] += fans
        return cls.from_counts(total)

    def __add__(self, other: ScoreHistogram) -> ScoreHistogram:
        return ScoreHistogram.merge((self, other))

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.bins)

    @property
    def fans(self) -> int:
        return sum(n for _, n in self.bins)

    def count(self, score: int) -> int:
        """Fans with exactly this score: the ties at a cut-off."""
        return next((n for s, n in self.bins if s == score), 0)

    def at_least(self, score: int) -> int:
        """Fans whose score is `score` or more."""
        return sum(n for s, n in self.bins if s >= score)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys are strings, so scores are written as decimal strings; `fans` guards the load."""
        return {"format": FORMAT, "fans": self.fans, "counts": {str(s): n for s, n in self.bins}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreHistogram:
        """The inverse of `to_dict`; refuses another format or a total that does not add up."""
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown histogram format {data.get('format')!r}")
        counts = {int(score): int(fans) for score, fans in data["counts"].items()}
        if any(fans <= 0 for fans in counts.values()):
            raise ValueError("a stored histogram holds only positive counts")
        histogram = cls.from_counts(counts)
        if histogram.fans != data["fans"]:
            raise ValueError(f"histogram counts add up to {histogram.fans}, not {data['fans']}")
        return histogram
