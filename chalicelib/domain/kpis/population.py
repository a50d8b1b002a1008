"""What a scan of the fans table knows about one day: active fans, cohorts, distributions, liability.

Each fan item carries its activity as day masks in the community zone (`activity.Activity`), its
creation instant, its stored tier and lifecycle stage and its balance, so one pass over the fans
answers every distinct-fan KPI of a day without day-keyed sets of fan ids. Scan workers tally their
share (`tally`) and a coordinator adds the partials (`Population.merge`), like the tier histogram.

Recomputing a past day reads the same masks shifted by the days since: they keep `HISTORY_DAYS`
days, and the longest look-back (monthly retention) is `LOOKBACK_DAYS`, so a fan who has acted
since is exact for a day up to `HISTORY_DAYS - LOOKBACK_DAYS` days back; beyond that the fan is
counted in `partial` (see docs/kpis.md#recomputing-a-past-day).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from chalicelib.domain import activity as activities
from chalicelib.domain import days, jobs
from chalicelib.domain import fan as fans

LOOKBACK_DAYS = 2 * activities.WINDOW_DAYS  # monthly retention compares two 28-day windows
RECOMPUTABLE_DAYS = activities.HISTORY_DAYS - LOOKBACK_DAYS
RETENTION_DAYS = (1, 7, 28)


@dataclass(frozen=True)
class FanFacts:
    """The part of a fan the KPIs read; `created_at` is when the fan was first seen (its first write)."""

    created_at: datetime | None
    activity: activities.Activity
    tier: str
    stage: str
    balance: int

    @classmethod
    def of(cls, fan: fans.Fan) -> FanFacts:
        return cls(fan.created_at, fan.activity, fan.tier, fan.lifecycle_stage, fan.balance)


@dataclass(frozen=True)
class Population:
    """Counts over the fans known at the end of a day; every field adds up across scan segments.

    `cohort_dN`: fans first seen N days before the day; `retained_dN`: those of them active on
    the day. `active_previous_28`: active in the 28 days before the last 28; `retained_28`: those
    also active in the last 28. `churned`: fans whose stored stage is `churned`.
    """

    fans_total: int = 0
    new_fans: int = 0
    dau: int = 0
    wau: int = 0
    mau: int = 0
    cohort_d1: int = 0
    retained_d1: int = 0
    cohort_d7: int = 0
    retained_d7: int = 0
    cohort_d28: int = 0
    retained_d28: int = 0
    active_previous_28: int = 0
    retained_28: int = 0
    redeemers_28: int = 0
    churned: int = 0
    points_outstanding: int = 0
    partial: int = 0
    tiers: Mapping[str, int] = field(default_factory=dict)
    lifecycle: Mapping[str, int] = field(default_factory=dict)

    def merge(self, other: Population) -> Population:
        return Population.from_counts(jobs.add_counts(self.to_counts(), other.to_counts()))

    def to_counts(self) -> dict[str, int]:
        """A flat `{name: count}` for a scan segment's checkpoint (`tiers.head`, `lifecycle.churned`)."""
        flat = {name: getattr(self, name) for name in _plain_names()}
        flat.update({f"tiers.{tier}": count for tier, count in self.tiers.items()})
        flat.update({f"lifecycle.{stage}": count for stage, count in self.lifecycle.items()})
        return flat

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Population:
        """The inverse of `to_counts`; an unknown name is refused rather than dropped."""
        plain: dict[str, int] = {}
        grouped: dict[str, dict[str, int]] = {"tiers": {}, "lifecycle": {}}
        for name, count in counts.items():
            group, dot, key = name.partition(".")
            if dot and key and group in grouped:
                grouped[group][key] = count
            elif name in _plain_names():
                plain[name] = count
            else:
                raise ValueError(f"unknown population count {name!r}")
        return cls(**plain, tiers=grouped["tiers"], lifecycle=grouped["lifecycle"])


def _plain_names() -> tuple[str, ...]:
    return tuple(item.name for item in fields(Population) if item.name not in ("tiers", "lifecycle"))


def tally(facts: Iterable[FanFacts], day: date, zone_name: str) -> Population:
    """The population counts of community `day` (zone `zone_name`) over these fans.

    A fan first seen after the day is not part of it (a recomputation runs later than the day).
    """
    counts: Counter[str] = Counter()
    tiers: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    for fact in facts:
        first_day = None if fact.created_at is None else days.local_day(fact.created_at, zone_name)
        if first_day is not None and first_day > day:
            continue
        counts.update(_fan_counts(fact, first_day, day))
        tiers[fact.tier] += 1
        stages[fact.stage] += 1
    return Population(**counts, tiers=dict(tiers), lifecycle=dict(stages))


def _fan_counts(fact: FanFacts, first_day: date | None, day: date) -> Counter[str]:
    activity = fact.activity
    counts: Counter[str] = Counter(fans_total=1, points_outstanding=fact.balance)
    active_today = activities.active_days(activity, day, 1) > 0
    active_28 = activities.active_days(activity, day, activities.WINDOW_DAYS) > 0
    counts["new_fans"] = first_day == day
    counts["dau"] = active_today
    counts["wau"] = activities.active_days(activity, day, 7) > 0
    counts["mau"] = active_28
    for n in RETENTION_DAYS:
        in_cohort = first_day is not None and first_day == day - timedelta(days=n)
        counts[f"cohort_d{n}"] = in_cohort
        counts[f"retained_d{n}"] = in_cohort and active_today
    previous = activities.active_days(activity, day - timedelta(days=activities.WINDOW_DAYS)) > 0
    counts["active_previous_28"] = previous
    counts["retained_28"] = previous and active_28
    counts["redeemers_28"] = activities.redeemed_days(activity, day) > 0
    counts["churned"] = fact.stage == "churned"
    counts["partial"] = activity.day is not None and (activity.day - day).days > RECOMPUTABLE_DAYS
    return counts
