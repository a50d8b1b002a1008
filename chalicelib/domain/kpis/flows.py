"""What happened during one community day, counted off the hot path as the day goes.

Each count is additive, so a stream consumer can keep it as sharded counters keyed by the
community day of the event's own instant (a ledger entry's `at`, an engagement's `occurred_at`),
never of its arrival: a late or re-read record lands in its day, and a day's figures can be
recomputed by counting again. What exactly each counter counts is in docs/kpis.md#day-flows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import get_args

from chalicelib.domain import activity as activities
from chalicelib.domain import fan as fans

LEDGER_KINDS: frozenset[str] = frozenset(get_args(fans.LedgerKind))


@dataclass(frozen=True)
class ContentCounts:
    """Platform engagement received for content that day, linked fans or not, earning or not.

    `completion_sum` adds the `completion` (0..1) of the views that carry one; `completion_views`
    counts those views.
    """

    likes: int = 0
    comments: int = 0
    shares: int = 0
    views: int = 0
    completion_sum: float = 0.0
    completion_views: int = 0

    def __post_init__(self) -> None:
        counts = (self.likes, self.comments, self.shares, self.views, self.completion_views)
        if min(counts) < 0 or not 0 <= self.completion_sum <= self.completion_views:
            raise ValueError("content counts are >= 0 and each view's completion is 0..1")


@dataclass(frozen=True)
class DayFlows:
    """`interactions`: core actions recorded in fans' activity, by activity kind (`activity.CORE_KINDS`).

    `credits` and `debits`: the day's ledger entries by ledger kind, positive deltas added to
    `credits`, the size of negative ones to `debits`. `churned` and `resurrected`: lifecycle
    transitions into and out of `churned` attributed to the day.
    """

    interactions: Mapping[str, int] = field(default_factory=dict)
    credits: Mapping[str, int] = field(default_factory=dict)
    debits: Mapping[str, int] = field(default_factory=dict)
    content: ContentCounts = field(default_factory=ContentCounts)
    churned: int = 0
    resurrected: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.interactions) - activities.CORE_KINDS
        if unknown:
            raise ValueError(f"interactions are core actions; not {sorted(unknown)}")
        unknown = (set(self.credits) | set(self.debits)) - LEDGER_KINDS
        if unknown:
            raise ValueError(f"unknown ledger kinds {sorted(unknown)}")
        values = (*self.interactions.values(), *self.credits.values(), *self.debits.values())
        if min((*values, self.churned, self.resurrected)) < 0:
            raise ValueError("day flows count things: every count is >= 0")
