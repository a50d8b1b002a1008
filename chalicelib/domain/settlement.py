"""Deferred engagement awards and settling them: a fan as stored is its base state plus pending awards.

When a delivery does not know the fan's state, its award is appended to the fan's pending list
without reading the fan (see docs/webhooks.md, "Deferred awards"). Every later change of the fan
settles them first, in order, exactly as deciding each event at once would have, under the rules
they were deferred with (their price and cap are stored with them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain import activity as activities
from chalicelib.domain import engagement
from chalicelib.domain import fan as fans

MAX_PENDING = 25  # deferred awards per fan before a deferral reads the fan instead; keeps writes small


@dataclass(frozen=True)
class PendingAward:
    """An event earning for a fan whose state was not read.

    `points` and `cap` are the rules when it was deferred, so a later change of rules cannot
    reprice it; `author` is the content's author (platform, account) if known.
    """

    kind: engagement.Kind
    occurred_at: datetime
    at: datetime
    ref: str
    points: int
    cap: int | None
    author: engagement.Account | None
    completion: float | None


@dataclass(frozen=True)
class StoredFan:
    """What the fans table holds: `base` is the state the last whole write left, at `base.version`.

    Each append of a pending award bumped the stored version by one, so `version` is the one a
    write must be conditioned on.
    """

    base: fans.Fan
    pending: tuple[PendingAward, ...] = ()

    @property
    def version(self) -> int:
        return self.base.version + len(self.pending)


def settle(stored: StoredFan, community_zone: str, score_rules: activities.ScoreRules) -> fans.Fan:
    """The fan after its pending awards, each with its ledger entry in `settling`, at the stored version.

    An award that earned is recorded in the fan's activity at its own `occurred_at`, as at once.
    """
    fan, entries = stored.base, list(stored.base.settling)
    for award in stored.pending:
        decision = engagement.judge(
            fan, award.kind, award.occurred_at, community_zone, award.points, award.cap, award.author
        )
        change = engagement.apply(fan, award.kind, decision, award.ref, award.at, community_zone)
        if change is not None and decision.reason == "earned":
            change = fans.with_activity(change, award.kind, award.occurred_at, community_zone, score_rules)
        if change is None:  # every deferred award leaves its own entry, so undoing it finds that one
            label = f"{award.ref} ({decision.reason})"
            change = fans.credit(fan, 0, "engagement", label, award.at, community_zone, always_record=True)
        entries.extend([change.entry] if change.entry else [])
        fan = change.fan
    return replace(fan, settling=tuple(entries))
