"""Operator point adjustments: a credit or debit with a reason, never below zero."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import FanNotFound, Unavailable
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import KeyTaken, StaleFan
from chalicelib.services import fan_cache
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render, live
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class AdjustmentResult:
    fan: fans.Fan
    entry: fans.LedgerEntry


def adjust(
    fan_id: str, delta: int, reason: str, request: IdempotentRequest, render: Render[AdjustmentResult], now: datetime
) -> Outcome:
    settings = get_settings()
    context = reads.fan_context(fan_id, None, request.key)
    record = live(context.record, now)
    if record is not None:
        return Outcome.replay(record, request)
    if context.fan is None:
        raise FanNotFound(f"No fan {fan_id} has used the service yet.")
    fan = context.fan
    for _ in range(settings.write_attempts):
        change = fans.adjust(fan, delta, reason, now, settings.community_time_zone)
        assert change.entry is not None
        status, body = render(AdjustmentResult(change.fan, change.entry))
        try:
            writes.commit_fan_change(change, request.record(status, body, now), now)
        except KeyTaken as taken:
            return Outcome.replay(taken.record, request)
        except StaleFan as stale:
            if stale.current is None:
                raise FanNotFound(f"No fan {fan_id} has used the service yet.") from None
            fan = stale.current
            continue
        fan_cache.remember(change.fan)
        return Outcome(status, body)
    raise Unavailable("Too many concurrent changes to this fan; retry shortly.")
