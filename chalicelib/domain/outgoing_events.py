"""The domain events the brand's systems receive (API.md, "Outgoing domain events"), derived from stored changes.

Each function compares what a table held before and after one write and names the events that
write made happen. Nothing here knows where the states come from (a DynamoDB stream record) or
where the events go (EventBridge): docs/events.md has the schemas.

An `event_id` is a UUIDv5 of the detail type, the fan and the change's identity (the write's fan
version, the warning, the notice, the expired month, the redemption), so a record delivered
again yields the same id and consumers can deduplicate on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from chalicelib.domain import expiry
from chalicelib.domain import fan as fans
from chalicelib.domain.rewards import Redemption
from chalicelib.domain.settlement import StoredFan
from chalicelib.domain.tiers import TIERS

SOURCE = "fan-engagement"
DetailType = Literal[
    "TierChanged",
    "TierDowngradeWarning",
    "LifecycleStageChanged",
    "PointsExpiring",
    "PointsExpired",
    "RedemptionConfirmed",
]
DETAIL_TYPES: tuple[DetailType, ...] = get_args(DetailType)
_IDS = uuid.UUID("5b0c6a8e-3f7d-5e1a-9c2b-7d4e8f1a2b3c")  # this service's UUIDv5 namespace; never change it


@dataclass(frozen=True)
class OutgoingEvent:
    """One event for the bus; `change` holds the fields particular to its detail type."""

    detail_type: DetailType
    event_id: str
    fan_id: str
    occurred_at: datetime
    change: Mapping[str, Any]

    def detail(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "fan_id": self.fan_id,
            "occurred_at": instant(self.occurred_at),
            **self.change,
        }


def instant(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as the API writes instants."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_id(detail_type: DetailType, fan_id: str, *identity: str) -> str:
    """Stable for the same change, distinct for different ones (parts are ids and values without newlines)."""
    return str(uuid.uuid5(_IDS, "\n".join((detail_type, fan_id, *identity))))


def _event(
    detail_type: DetailType, fan_id: str, at: datetime, identity: tuple[str, ...], **change: Any
) -> OutgoingEvent:
    return OutgoingEvent(detail_type, event_id(detail_type, fan_id, *identity), fan_id, at, change)


def fan_events(before: StoredFan | None, after: StoredFan, at: datetime, expiry_months: int) -> list[OutgoingEvent]:
    """What one write of a fan announces: a new tier, a new downgrade warning, a new stage, notices now due.

    `at` is when the write happened; a fan written for the first time is compared with a new fan.
    Other changes (balance, streak, activity, `at_risk` alone) announce nothing.
    """
    old = before.base if before is not None else fans.Fan(after.base.fan_id)
    new, version = after.base, str(after.version)
    found: list[OutgoingEvent] = []
    if new.tier != old.tier:
        direction = "promoted" if TIERS.index(new.tier) > TIERS.index(old.tier) else "demoted"
        since = new.tier_since.isoformat() if new.tier_since else None
        tiers = {"from": old.tier, "to": new.tier}
        found.append(_event("TierChanged", new.fan_id, at, (version,), **tiers, direction=direction, since=since))
    warning = new.tier_warning
    if warning is not None and warning != old.tier_warning:
        identity = (new.tier, warning.to, warning.on.isoformat())
        found.append(_event("TierDowngradeWarning", new.fan_id, at, identity, tier=new.tier, **warning.to_dict()))
    if new.lifecycle_stage != old.lifecycle_stage:
        stages = {"from": old.lifecycle_stage, "to": new.lifecycle_stage}
        resurrected = old.lifecycle_stage == "churned"
        flags = {"at_risk": new.at_risk, "resurrected": resurrected}
        found.append(_event("LifecycleStageChanged", new.fan_id, at, (version,), **stages, **flags))
    found += _expiring(new, new.expiry_notices - old.expiry_notices, at, expiry_months)
    return found


def _expiring(fan: fans.Fan, keys: frozenset[str], at: datetime, expiry_months: int) -> list[OutgoingEvent]:
    """The notices this write recorded, with the points the month had left when they fell due."""
    unspent = dict(fans.unspent_by_month(fan))
    found = []
    for key in sorted(keys):
        month, days_ahead = expiry.parse_notice_key(key)
        if unspent.get(month, 0) <= 0:
            continue
        expires_on = fans.expires_on(month, expiry_months).isoformat()
        found.append(
            _event(
                "PointsExpiring",
                fan.fan_id,
                at,
                (month, str(days_ahead)),
                month=month,
                points=unspent[month],
                expires_on=expires_on,
                days_ahead=days_ahead,
            )
        )
    return found


def ledger_events(entry: fans.LedgerEntry) -> list[OutgoingEvent]:
    """An `expiry` entry is a `PointsExpired`; a month expires at most once, so the month is its identity."""
    gone = expiry.expired_by(entry)
    if gone is None:
        return []
    return [
        _event(
            "PointsExpired",
            gone.fan_id,
            entry.at,
            (gone.month,),
            month=gone.month,
            points=gone.points,
            balance_after=gone.balance_after,
            entry_id=gone.entry_id,
        )
    ]


def redemption_events(before: Redemption | None, after: Redemption) -> list[OutgoingEvent]:
    """A redemption that became `confirmed` (it is written so, with its debit); a cancellation or fulfilment is not."""
    if after.status != "confirmed" or (before is not None and before.status == "confirmed"):
        return []
    return [
        _event(
            "RedemptionConfirmed",
            after.fan_id,
            after.created_at,
            (after.redemption_id,),
            redemption_id=after.redemption_id,
            reward_id=after.reward_id,
            quantity=after.quantity,
            points_spent=after.points_spent,
            balance_after=after.balance_after,
        )
    ]
