"""The one way a fan changes: state → settle → decide → versioned commit → retry from the conflict → remember.

Every use case that changes a fan (check-ins, time zones, adjustments, redemptions and their
cancellation, links, engagement awards and their reversal) supplies only the pure decision and,
where its transaction holds more than the fan and its ledger entries, how to commit it. This
module owns the rest:

* the starting state is the per-process cache's guess, a state the caller already read, or one
  consistent read; pending deferred awards are settled (`settlement.settle`) before deciding;
* a write built from a cached guess is confirmed by the version condition; a decision that
  writes nothing, or refuses (a `DomainError`), is only trusted from a fresh read;
* a stale version is retried from the item the cancelled write returned (`ALL_OLD`), without
  another read; a write whose response was lost is recognised by its change token;
* every attempt draws on the request's DynamoDB budget (`transaction.request_budget`), and
  `ROUNDS` bounds the decisions: contention beyond either answers 503.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import DomainError, Unavailable
from chalicelib.domain.settlement import StoredFan, settle
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import StaleFan
from chalicelib.services import fan_cache
from chalicelib.settings import get_settings

R = TypeVar("R")
ROUNDS = 6  # decisions per request; each after the first follows a cancelled write or a read


@dataclass(frozen=True)
class Decision(Generic[R]):
    """What a use case decided from a fan: its answer, and the change to write (None: nothing to write).

    `commit_without_change`: the use case's transaction has effects of its own (a webhook's
    dedupe record), so it is committed even when the fan does not change. Only for decisions that
    do not depend on the fan's state (an event too old to earn): nothing confirms the state then.
    """

    result: R
    change: fans.FanChange | None = None
    commit_without_change: bool = False


class Again(Exception):
    """Raised by a use case's commit when an item other than the fan was stale: decide again."""


class Reread(Exception):
    """Raised by a decision (or a commit) that the state it was given cannot support: read fresh, decide again."""


Decide = Callable[[fans.Fan], Decision[R]]
Commit = Callable[[Decision[R], str], None]
Read = Callable[[], StoredFan | None]


def current(fan_id: str, stored: StoredFan | None) -> fans.Fan:
    """The fan as it stands: stored state with its deferred awards settled (a new fan if none)."""
    if stored is None:
        return fans.Fan(fan_id)
    settings = get_settings()
    return settle(stored, settings.community_time_zone, settings.score_rules)


def read(fan_id: str) -> fans.Fan:
    """One consistent read of the fan as it stands; remembered for the next request."""
    return adopt(fan_id, reads.fan(fan_id))


def adopt(fan_id: str, stored: StoredFan | None) -> fans.Fan:
    """A consistent read made with other items, settled and remembered as `read` would."""
    fan = current(fan_id, stored)
    fan_cache.remember(fan)
    return fan


def _commit_alone(decision: Decision[R], token: str) -> None:
    if decision.change is not None:
        writes.commit_fan_change(decision.change, token)


def update(
    fan_id: str,
    decide: Decide[R],
    commit: Commit[R] = _commit_alone,
    *,
    known: fans.Fan | None = None,
    known_fresh: bool = False,
    read_fresh: Read | None = None,
) -> R:
    """Decide from the fan's state and write the change, retrying until it lands or the budget is spent.

    `known` is a state the caller already has (read with other items, or returned by a conflict);
    `read_fresh` replaces the plain read where the use case reads more items in the same request.
    """
    fresh_read = read_fresh or (lambda: reads.fan(fan_id))
    fan, fresh = (known, known_fresh) if known is not None else (fan_cache.get(fan_id), False)
    if fan is None:
        fan, fresh = current(fan_id, fresh_read()), True
    for _ in range(ROUNDS):
        try:
            decision = decide(fan)
        except DomainError:
            if fresh:
                raise
            fan, fresh = current(fan_id, fresh_read()), True
            continue
        except Reread:
            fan, fresh = current(fan_id, fresh_read()), True
            continue
        if decision.change is None and not decision.commit_without_change:
            if not fresh:
                fan, fresh = current(fan_id, fresh_read()), True
                continue
            fan_cache.remember(fan)
            return decision.result
        token = uuid.uuid4().hex
        try:
            commit(decision, token)
        except StaleFan as stale:
            if not stale.written_by(token):  # else our own write landed and only its response was lost
                fan, fresh = current(fan_id, stale.current), True
                continue
        except Again:
            continue
        except Reread:
            fan, fresh = current(fan_id, fresh_read()), True
            continue
        fan_cache.remember(decision.change.fan if decision.change is not None else fan)
        return decision.result
    raise Unavailable("Too many concurrent changes to this fan; retry shortly.")
