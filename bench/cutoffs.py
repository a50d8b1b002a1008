"""Tier cut-offs for millions of fans in one process: a histogram from a stream of scores, then the ranks.

Scores are synthetic and generated one at a time (no list of fans is ever held), skewed as
engagement is: most fans (60%) at 0, the rest a log-normal long tail. Each size is counted
twice: once untimed-for-memory at full speed, once under tracemalloc for the peak of Python
allocations, which is what would grow with the number of fans if anything did.
"""

from __future__ import annotations

import random
import resource
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.domain.ranking import rank
from chalicelib.domain.tiers import Tier, TierRules

SIZES = (1_000_000, 10_000_000)
ZERO_SHARE = 0.6
MAX_SCORE = 1_000_000


def synthetic_scores(fans: int, seed: int) -> Iterator[int]:
    draw = random.Random(seed)
    uniform, tail = draw.random, draw.lognormvariate
    for _ in range(fans):
        yield 0 if uniform() < ZERO_SHARE else min(MAX_SCORE, 1 + int(tail(3.0, 1.5)))


@dataclass(frozen=True)
class Figure:
    fans: int
    distinct_scores: int
    histogram_seconds: float
    cutoffs_ms: float
    traced_peak_kib: float
    max_rss_growth_kib: int
    stored_histogram_kib: float
    cutoffs: dict[str, int]
    exit_cutoffs: dict[str, int]
    by_rank: dict[Tier, int]
    tied_at_cutoff: dict[str, int]


def _max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(fans: int, seed: int = 7) -> Figure:
    rules = TierRules()
    rss_before = _max_rss_kib()
    began = time.perf_counter()
    histogram = ScoreHistogram.of(synthetic_scores(fans, seed))
    built = time.perf_counter()
    ranking = rank(histogram, rules)
    ranked = time.perf_counter()
    rss_growth = _max_rss_kib() - rss_before

    tracemalloc.start()
    traced = ScoreHistogram.of(synthetic_scores(fans, seed))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if traced != histogram:
        raise AssertionError("the same stream counted twice gave two histograms")

    stored = len(repr(histogram.to_dict()))
    return Figure(
        fans=fans,
        distinct_scores=len(histogram.bins),
        histogram_seconds=built - began,
        cutoffs_ms=(ranked - built) * 1000,
        traced_peak_kib=peak / 1024,
        max_rss_growth_kib=rss_growth,
        stored_histogram_kib=stored / 1024,
        cutoffs=ranking.entry.to_dict(),
        exit_cutoffs=ranking.exit.to_dict(),
        by_rank=dict(ranking.by_rank),
        tied_at_cutoff={tier: histogram.count(cut) for tier, cut in ranking.entry.to_dict().items()},
    )


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    return [measure(fans).__dict__ for fans in sizes]
