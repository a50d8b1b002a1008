"""Points for a linked fan's platform event: decided now when the fan's state is known, else deferred.

Deferring appends the event to the fan's pending awards in the delivery's own transaction, so a
delivery whose link was not cached still costs one read (dedupe, link, content) and one write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import engagement
from chalicelib.domain import fan as fans
from chalicelib.observability import count
from chalicelib.persistence import platform, reads
from chalicelib.services import fan_cache
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Award:
    """`points` is what the action's record keeps for a later undo (the most it can earn if deferred).

    A deferred award's record is marked so that an undo looks up what it did earn.
    """

    points: int
    deferred: bool
    change: fans.FanChange | None
    decision: engagement.Decision | None


def add(
    write: platform.DeliveryWrite,
    fan_id: str,
    fan: fans.Fan | None,
    kind: engagement.Kind,
    occurred_at: datetime,
    now: datetime,
    ref: str,
    external_user_id: str,
    change_token: str,
    *,
    self_engagement: bool = False,
    completion: float | None = None,
) -> Award:
    settings = get_settings()
    rules, zone = settings.engagement_rules, settings.community_time_zone
    if fan is None:
        refused = engagement.refusal(kind, occurred_at, now, rules, completion)
        if refused is not None:
            return Award(0, False, None, refused)
        points = rules.points[kind]
        pending = engagement.PendingAward(kind, occurred_at, now, ref, points, self_engagement, completion)
        write.defer_award(fan_id, pending, engagement.MAX_PENDING)
        write.guard_link(external_user_id, fan_id)
        return Award(0 if self_engagement else points, True, None, None)
    decision = engagement.decide(
        fan, kind, occurred_at, now, zone, rules, self_engagement=self_engagement, completion=completion
    )
    change = engagement.apply(fan, kind, decision, ref, now, zone)
    if change is not None:
        write.fan(change, change_token)
        write.guard_link(external_user_id, fan.fan_id)
    return Award(decision.points, False, change, decision)


def landed(award: Award | None, kind: str) -> None:
    """After the commit: keep the fan written, and count; a deferred award's outcome is only known when it settles."""
    if award is None:
        return
    if award.change is not None:
        fan_cache.remember(award.change.fan)
    if award.deferred:
        count("AwardsDeferred", kind=kind)
    if award.decision is not None:
        count("PointsAwarded", award.decision.points, kind=kind)
        if award.decision.reason == "capped":
            count("EngagementCapped", kind=kind)


def earned(fan: fans.Fan, ref: str) -> int:
    """What the newest award under `ref` earned: from the fan's unwritten entries, else its ledger."""
    labels = engagement.award_labels(ref)
    found = next((e for e in reversed(fan.settling) if e.ref in labels), None)
    if found is None:
        found = reads.newest_entry(fan.fan_id, labels)
    return found.delta if found is not None else 0
