"""Earning from platform engagement: points per kind, daily caps in the fan's local day, and reversals.

Rules are data (`EngagementRules`, from settings). Caps count in the fan's local day of
`occurred_at`, not of arrival, so late or reordered deliveries land in the right day.
Engaging with content published through any account the fan has linked earns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from chalicelib.domain import days
from chalicelib.domain import fan as fans

Kind = Literal["liked", "commented", "shared", "viewed", "published"]
KINDS: tuple[Kind, ...] = ("liked", "commented", "shared", "viewed", "published")
Account = tuple[str, str]  # (platform, external user id)
Reason = Literal["earned", "capped", "self", "low_completion", "too_old", "in_future", "unpriced"]
COUNT_RETENTION_DAYS = 10
BACKDATED_AFTER = timedelta(hours=1)  # events older than this on arrival are counted as back-dated


@dataclass(frozen=True)
class EngagementRules:
    points: Mapping[str, int] = field(
        default_factory=lambda: {"liked": 1, "commented": 3, "shared": 5, "viewed": 1, "published": 20}
    )
    daily_caps: Mapping[str, int] = field(
        default_factory=lambda: {"liked": 30, "commented": 10, "shared": 5, "viewed": 20, "published": 3}
    )
    min_view_completion: float = 0.5
    max_age_days: int = 7
    max_clock_skew_minutes: int = 5


@dataclass(frozen=True)
class Decision:
    """How many points an event earns and why; `records` says whether the ledger shows it at zero."""

    points: int
    reason: Reason
    day: date | None = None

    @property
    def records(self) -> bool:
        return self.points > 0 or self.reason in ("capped", "self")


def counts_key(day: date, kind: str) -> str:
    return f"{day.isoformat()}|{kind}"


def refusal(
    kind: Kind, occurred_at: datetime, now: datetime, rules: EngagementRules, completion: float | None
) -> Decision | None:
    """The reasons an event earns nothing whatever the fan's state; None when it may earn."""
    if occurred_at > now + timedelta(minutes=rules.max_clock_skew_minutes):
        return Decision(0, "in_future")
    if occurred_at < now - timedelta(days=rules.max_age_days):
        return Decision(0, "too_old")
    if kind == "viewed" and (completion is None or completion < rules.min_view_completion):
        return Decision(0, "low_completion")
    if rules.points.get(kind, 0) <= 0:
        return Decision(0, "unpriced")
    return None


def is_backdated(occurred_at: datetime, now: datetime) -> bool:
    return now - occurred_at > BACKDATED_AFTER


def decide(
    fan: fans.Fan,
    kind: Kind,
    occurred_at: datetime,
    now: datetime,
    community_zone: str,
    rules: EngagementRules,
    *,
    author: Account | None = None,
    completion: float | None = None,
) -> Decision:
    """Decide the award for one event by a linked fan, in the fan's local day of `occurred_at`.

    `author` is the content's author (platform, account) when known: content published through
    any account this fan has linked, now or before, is the fan's own.
    """
    refused = refusal(kind, occurred_at, now, rules, completion)
    if refused is not None:
        return refused
    return judge(fan, kind, occurred_at, community_zone, rules.points[kind], rules.daily_caps.get(kind), author)


def judge(
    fan: fans.Fan,
    kind: Kind,
    occurred_at: datetime,
    community_zone: str,
    points: int,
    cap: int | None,
    author: Account | None,
) -> Decision:
    """The fan-dependent part of a decision: own content, then the day's cap, for an event that may earn."""
    day = days.local_day(occurred_at, fan.zone_or(community_zone))
    if author is not None and fan.owns(*author):
        return Decision(0, "self", day)
    if cap is not None and fan.engagement_counts.get(counts_key(day, kind), 0) >= cap:
        return Decision(0, "capped", day)
    return Decision(points, "earned", day)


def apply(
    fan: fans.Fan, kind: Kind, decision: Decision, ref: str, now: datetime, community_zone: str
) -> fans.FanChange | None:
    """The fan's new state for a decision: counts the event toward its day's cap, credits any points."""
    if not decision.records or decision.day is None:
        return None
    horizon = (now - timedelta(days=COUNT_RETENTION_DAYS)).date().isoformat()
    counts = {k: v for k, v in fan.engagement_counts.items() if k.split("|", 1)[0] >= horizon}
    if decision.reason == "earned":
        key = counts_key(decision.day, kind)
        counts[key] = counts.get(key, 0) + 1
    counted = replace(fan, engagement_counts=counts)
    label = ref if decision.reason == "earned" else f"{ref} ({decision.reason})"
    return fans.credit(counted, decision.points, "engagement", label, now, community_zone, base=fan, always_record=True)


def award_labels(ref: str) -> frozenset[str]:
    """The ledger refs an award under `ref` may carry, whatever it was decided."""
    return frozenset({ref, *(f"{ref} ({reason})" for reason in get_args(Reason) if reason != "earned")})


def reverse(fan: fans.Fan, points: int, ref: str, now: datetime) -> tuple[fans.FanChange, int]:
    """Take back up to `points`; a balance already spent below that is not pushed negative.

    Returns the change and the shortfall that was written off (points already redeemed).
    """
    taken = min(points, fan.balance)
    change = fans.debit(fan, taken, "engagement", ref, now)
    return replace(change, entry=change.entry or _zero_entry(change, ref, now)), points - taken


def _zero_entry(change: fans.FanChange, ref: str, now: datetime) -> fans.LedgerEntry:
    fan = change.fan
    return fans.LedgerEntry(fan.fan_id, fans.entry_id_for(fan.version), now, 0, fan.balance, "engagement", ref)
