"""The per-fan user rules' records in the counters table: farming suspects per day, newcomers per hour acted.

Both are written only by the fans stream, as updates inside its counters' transaction
(`counters.add`), so they land exactly once and in the shard's order, which is the fan item's
order: a stale image never overwrites a newer one, and no extra request is made for them.
Newcomers' instants are string sets, so even a repeated ADD changes nothing. A newcomer's record
is filed under the UTC hour of the activity that wrote it (`newcomers#<YYYY-MM-DDTHH>`): an hour
long past no longer changes, so the scan reads each such hour once per process and re-reads only
the latest ones (`services/newcomer_history`), instead of every newcomer of the week each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.domain.risk.fan_signals import FarmingSuspect, Newcomer
from chalicelib.persistence import codec
from chalicelib.persistence.models import FarmingSuspectModel, NewcomerModel
from chalicelib.persistence.transaction import with_retries

SUSPECTS = "suspects#"
NEWCOMERS = "newcomers#"
SUSPECT_KEPT = timedelta(days=2)  # past its day: the scan reads only the current community day

Update = tuple[str, Model, Sequence[Action]]  # a transaction's (name, item, actions)


def suspect_update(found: FarmingSuspect) -> Update:
    item = FarmingSuspectModel(f"{SUSPECTS}{found.day.isoformat()}", found.fan_id)
    actions: list[Action] = [
        FarmingSuspectModel.points.set(found.points),
        FarmingSuspectModel.ttl.set(_day_start(found.day) + SUSPECT_KEPT + timedelta(days=1)),
        FarmingSuspectModel.capped.set(set(found.capped_kinds))
        if found.capped_kinds
        else FarmingSuspectModel.capped.remove(),
    ]
    return f"{item.bucket}|{item.slot}", item, actions


def newcomer_update(found: Newcomer, kept: timedelta) -> Update:
    """`kept`: how long after the fan was first seen a rule may still read it."""
    item = NewcomerModel(newcomer_bucket(newcomer_hour(found)), found.fan_id)
    actions: list[Action] = [
        NewcomerModel.first_seen_at.set(found.first_seen_at),
        NewcomerModel.other_actions.set(found.other_actions),
        NewcomerModel.ttl.set(found.first_seen_at + kept),
    ]
    if found.checkins:
        actions.append(NewcomerModel.checkins.add({codec.instant(at) for at in found.checkins}))
    if found.redemptions:
        actions.append(NewcomerModel.redemptions.add({_redemption_text(r) for r in found.redemptions}))
    return f"{item.bucket}|{item.slot}", item, actions


def suspects(day: date) -> list[FarmingSuspect]:
    """Every suspect of the community day, one query."""
    items = with_retries(lambda: list(FarmingSuspectModel.query(f"{SUSPECTS}{day.isoformat()}", consistent_read=True)))
    return [FarmingSuspect(day, item.slot, int(item.points), frozenset(item.capped or ())) for item in items]


def newcomers_of_hour(start: datetime) -> list[Newcomer]:
    """The newcomers' records of the UTC hour starting at `start`, one query; each `acted_at` is that hour's start."""
    items = with_retries(lambda: list(NewcomerModel.query(newcomer_bucket(start), consistent_read=True)))
    return [_newcomer(item, start) for item in items]


def newcomer_hour(found: Newcomer) -> datetime:
    """The start of the UTC hour a newcomer's write is filed under: its activity's, else its first-seen one's."""
    at = (found.acted_at or found.first_seen_at).astimezone(UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def _newcomer(item: NewcomerModel, hour: datetime) -> Newcomer:
    return Newcomer(
        item.slot,
        item.first_seen_at,
        int(item.other_actions),
        frozenset(datetime.fromisoformat(text) for text in item.checkins or ()),
        frozenset(_redemption_from_text(text) for text in item.redemptions or ()),
        hour,
    )


def newcomer_bucket(hour: datetime) -> str:
    return f"{NEWCOMERS}{hour.astimezone(UTC):%Y-%m-%dT%H}"


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _redemption_text(redemption: tuple[str, datetime, int]) -> str:
    """`<instant>|<units>|<reward id>`: the reward id last, as it may hold any character."""
    reward_id, at, units = redemption
    return f"{codec.instant(at)}|{units}|{reward_id}"


def _redemption_from_text(text: str) -> tuple[str, datetime, int]:
    at, units, reward_id = text.split("|", 2)
    return reward_id, datetime.fromisoformat(at), int(units)
