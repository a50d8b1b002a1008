"""Points for a linked fan's platform event, committed with the delivery's other effects.

Decided through the fan-update path when the fan's state is known (cached or read with the
delivery's context); otherwise deferred: appended to the fan's pending awards in the delivery's
own transaction, so a delivery whose link was not cached costs one read and one write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import engagement, settlement
from chalicelib.domain import fan as fans
from chalicelib.domain.settlement import PendingAward
from chalicelib.observability import count
from chalicelib.persistence import reads
from chalicelib.persistence.conflicts import StaleFan
from chalicelib.persistence.deliveries import DeliveryWrite
from chalicelib.services import fan_update
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Award:
    """`points` is what the action's record keeps for a later undo (the most it can earn if deferred).

    A deferred award's record is marked so that an undo looks up what it did earn.
    """

    points: int
    deferred: bool
    decision: engagement.Decision | None


@dataclass(frozen=True)
class Event:
    """One event that may earn: who, what, when, and on whose content."""

    fan_id: str
    external_user_id: str
    kind: engagement.Kind
    occurred_at: datetime
    ref: str
    author: engagement.Account | None = None
    completion: float | None = None


Build = Callable[[Award], DeliveryWrite]


def grant(event: Event, known: fans.Fan | None, known_fresh: bool, now: datetime, build: Build) -> Award:
    """Award the event and commit it with what `build` writes for the delivery; returns the award."""
    settings = get_settings()
    rules, zone = settings.engagement_rules, settings.community_time_zone
    if known is None:
        try:
            return _defer(event, now, build)
        except StaleFan as stale:  # no fan item yet, or its pending list is full: decide from it now
            known, known_fresh = fan_update.current(event.fan_id, stale.current), True

    def decide(fan: fans.Fan) -> fan_update.Decision[Award]:
        decision = engagement.decide(
            fan,
            event.kind,
            event.occurred_at,
            now,
            zone,
            rules,
            author=event.author,
            completion=event.completion,
        )
        change = engagement.apply(fan, event.kind, decision, event.ref, now, zone)
        if change is not None and decision.reason == "earned":
            change = fans.with_activity(change, event.kind, event.occurred_at, zone, settings.score_rules)
        return fan_update.Decision(Award(decision.points, False, decision), change, commit_without_change=True)

    def commit(decision: fan_update.Decision[Award], token: str) -> None:
        write = build(decision.result)
        if decision.change is not None:
            write.fan(decision.change, token)
            write.guard_link(event.external_user_id, event.fan_id)
        write.commit()

    return fan_update.update(event.fan_id, decide, commit, known=known, known_fresh=known_fresh)


def _defer(event: Event, now: datetime, build: Build) -> Award:
    rules = get_settings().engagement_rules
    refused = engagement.refusal(event.kind, event.occurred_at, now, rules, event.completion)
    if refused is not None:
        award = Award(0, False, refused)
        build(award).commit()
        return award
    points = rules.points[event.kind]
    pending = PendingAward(
        event.kind,
        event.occurred_at,
        now,
        event.ref,
        points,
        rules.daily_caps.get(event.kind),
        event.author,
        event.completion,
    )
    award = Award(points, True, None)
    write = build(award)
    write.defer_award(event.fan_id, pending, settlement.MAX_PENDING)
    write.guard_link(event.external_user_id, event.fan_id)
    write.commit()
    return award


def landed(award: Award | None, event: Event) -> None:
    """After the commit, count; a deferred award's outcome is only known when it settles."""
    if award is None:
        return
    if award.deferred:
        count("AwardsDeferred", kind=event.kind)
    if award.decision is not None:
        count("PointsAwarded", award.decision.points, kind=event.kind)
        if award.decision.reason == "capped":
            count("EngagementCapped", kind=event.kind)


def earned(fan: fans.Fan, ref: str) -> int:
    """What the newest award under `ref` earned: from the fan's unwritten entries, else its ledger."""
    labels = engagement.award_labels(ref)
    found = next((e for e in reversed(fan.settling) if e.ref in labels), None)
    if found is None:
        found = reads.newest_entry(fan.fan_id, labels)
    return found.delta if found is not None else 0
