"""Earning from platform engagement: points per kind, daily caps in the fan's local day, and reversals.

Rules are data (`EngagementRules`, from settings). Caps count in the fan's local day of
`occurred_at`, not of arrival, so late or reordered deliveries land in the right day.

An award can be deferred: when the fan's state is unknown, the event is appended to the fan's
pending list without reading the fan, and `settle` decides it later, in order, exactly as
`decide` and `apply` would have at the time.
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
Reason = Literal["earned", "capped", "self", "low_completion", "too_old", "in_future", "unpriced"]
COUNT_RETENTION_DAYS = 10
MAX_PENDING = 25  # deferred awards per fan before a deferral reads the fan instead; keeps writes small


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


@dataclass(frozen=True)
class PendingAward:
    """An event earning for a fan whose state was not read; decided by `settle`.

    `points` is the price when it was deferred, so a later change of rules cannot reprice it.
    """

    kind: Kind
    occurred_at: datetime
    at: datetime
    ref: str
    points: int
    self_engagement: bool
    completion: float | None


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


def decide(
    fan: fans.Fan,
    kind: Kind,
    occurred_at: datetime,
    now: datetime,
    community_zone: str,
    rules: EngagementRules,
    *,
    self_engagement: bool = False,
    completion: float | None = None,
) -> Decision:
    """Decide the award for one event by a linked fan, in the fan's local day of `occurred_at`."""
    refused = refusal(kind, occurred_at, now, rules, completion)
    if refused is not None:
        return refused
    points = rules.points[kind]
    day = days.local_day(occurred_at, fan.zone_or(community_zone))
    if self_engagement:
        return Decision(0, "self", day)
    cap = rules.daily_caps.get(kind)
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


def settle(base: fans.Fan, pending: tuple[PendingAward, ...], community_zone: str, rules: EngagementRules) -> fans.Fan:
    """The fan after its pending awards, each with its ledger entry in `settling`.

    `base` is the stored state without them: every append bumped the stored version by one, so
    each award here takes the next version and leaves one ledger entry, and the result carries
    the stored version.
    """
    fan, entries = base, list(base.settling)
    for award in pending:
        priced = replace(rules, points={**rules.points, award.kind: award.points})
        decision = decide(
            fan,
            award.kind,
            award.occurred_at,
            award.at,
            community_zone,
            priced,
            self_engagement=award.self_engagement,
            completion=award.completion,
        )
        change = apply(fan, award.kind, decision, award.ref, award.at, community_zone)
        if change is None:  # every deferred award leaves its own entry, so undoing it finds that one
            label = f"{award.ref} ({decision.reason})"
            change = fans.credit(fan, 0, "engagement", label, award.at, community_zone, always_record=True)
        entries.extend([change.entry] if change.entry else [])
        fan = change.fan
    return replace(fan, settling=tuple(entries))


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
