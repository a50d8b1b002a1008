"""What each stream record adds to the day counters, and the day's `DayFlows` read back from their sums.

Counters are named `<group>:<kind>` (`interactions:checkin`, `credits:engagement`,
`debits:expiry`, `content:likes`) or plainly (`churned`, `resurrected`) and filed in a bucket named by the
community day of the event's own instant, never of its arrival, so a late or re-read record lands
in its day. Nothing here knows about shards or checkpoints: the consumer adds these per batch,
exactly once, and the reader sums the shards (docs/kpis.md#counters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain import activity as activities
from chalicelib.domain import days
from chalicelib.domain.fan import LedgerEntry
from chalicelib.domain.kpis.flows import ContentCounts, DayFlows

Key = tuple[str, str]  # (bucket, counter name)
DAY_PREFIX = "day#"
CHURNED = "churned"
CONTENT_COUNTERS = {"liked": "content:likes", "commented": "content:comments", "shared": "content:shares"}
VIEWS, COMPLETION_VIEWS, COMPLETION_MILLI = "content:views", "content:completion_views", "content:completion_milli"
MILLI = 1000  # counters add integers: a view's completion (0..1) is kept in thousandths


@dataclass(frozen=True)
class ContentEngagement:
    """One engagement delivery counted in the content metrics: its kind, its own instant, a view's completion."""

    kind: str
    occurred_at: datetime
    completion: float | None = None


def day_bucket(day: date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def ledger_counts(entry: LedgerEntry, zone_name: str) -> Counter[Key]:
    """The entry's points under its kind, and the core action it records (a check-in, a redemption, an earned
    engagement, whose ref is `<platform>:<kind>:<content>`), in the community day of the entry's `at`."""
    bucket = day_bucket(days.local_day(entry.at, zone_name))
    counts: Counter[Key] = Counter()
    if entry.delta > 0:
        counts[(bucket, f"credits:{entry.kind}")] += entry.delta
    elif entry.delta < 0:
        counts[(bucket, f"debits:{entry.kind}")] -= entry.delta
    action = _core_action(entry)
    if action is not None:
        counts[(bucket, f"interactions:{action}")] += 1
    return counts


def _core_action(entry: LedgerEntry) -> str | None:
    if entry.kind == "checkin":
        return "checkin"
    if entry.kind == "redemption" and entry.delta < 0:
        return "redemption"
    if entry.kind == "engagement" and entry.delta > 0:
        parts = entry.ref.split(":")
        kind = parts[1] if len(parts) == 3 else ""
        return kind if kind in activities.CORE_KINDS else None
    return None


def content_counts(engaged: ContentEngagement, zone_name: str) -> Counter[Key]:
    """A like, comment, share or view received for content, in the community day of its `occurred_at`."""
    bucket = day_bucket(days.local_day(engaged.occurred_at, zone_name))
    if engaged.kind in CONTENT_COUNTERS:
        return Counter({(bucket, CONTENT_COUNTERS[engaged.kind]): 1})
    if engaged.kind != "viewed":
        return Counter()
    counts = Counter({(bucket, VIEWS): 1})
    if engaged.completion is not None:
        counts[(bucket, COMPLETION_VIEWS)] += 1
        counts[(bucket, COMPLETION_MILLI)] += round(min(max(engaged.completion, 0.0), 1.0) * MILLI)
    return counts


def stage_counts(before: str | None, after: str | None, assessed_at: datetime, zone_name: str) -> Counter[Key]:
    """A move into or out of `churned`. Stages change only in the update-lifecycle run of day D+1 (00:00
    local), which assesses the fans as at the end of D: the transition is D's. `assessed_at` is that
    run's instant as the fan item records it, so a late or re-driven record still lands in D."""
    if before is None or after is None or (before == CHURNED) == (after == CHURNED):
        return Counter()
    day = days.local_day(assessed_at, zone_name) - timedelta(days=1)
    return Counter({(day_bucket(day), CHURNED if after == CHURNED else "resurrected"): 1})


def day_flows(totals: Mapping[str, int]) -> DayFlows:
    """The day's flows from its counters summed over every shard; unknown names are refused by `DayFlows`."""
    groups: dict[str, dict[str, int]] = {"interactions": {}, "credits": {}, "debits": {}, "content": {}}
    for name, value in totals.items():
        group, _, kind = name.partition(":")
        if kind and group in groups:
            groups[group][kind] = value
        elif name not in (CHURNED, "resurrected"):
            raise ValueError(f"unknown day counter {name!r}")
    return DayFlows(
        interactions=groups["interactions"],
        credits=groups["credits"],
        debits=groups["debits"],
        content=_content(groups["content"]),
        churned=totals.get(CHURNED, 0),
        resurrected=totals.get("resurrected", 0),
    )


def _content(counts: Mapping[str, int]) -> ContentCounts:
    known = {name.partition(":")[2] for name in (*CONTENT_COUNTERS.values(), VIEWS, COMPLETION_VIEWS, COMPLETION_MILLI)}
    unknown = set(counts) - known
    if unknown:
        raise ValueError(f"unknown content counters {sorted(unknown)}")
    return ContentCounts(
        likes=counts.get("likes", 0),
        comments=counts.get("comments", 0),
        shares=counts.get("shares", 0),
        views=counts.get("views", 0),
        completion_sum=counts.get("completion_milli", 0) / MILLI,
        completion_views=counts.get("completion_views", 0),
    )


def is_after(sequence: str, checkpoint: str | None) -> bool:
    """Stream sequence numbers are decimal strings of varying length: compare them as numbers."""
    return checkpoint is None or int(sequence) > int(checkpoint)
