"""Operator point adjustments: a credit or debit with a reason, never below zero."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import FanNotFound
from chalicelib.persistence import reads, writes
from chalicelib.services import fan_update
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render, live, run
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class AdjustmentResult:
    fan: fans.Fan
    entry: fans.LedgerEntry


def adjust(
    fan_id: str, delta: int, reason: str, request: IdempotentRequest, render: Render[AdjustmentResult], now: datetime
) -> Outcome:
    """One consistent read of the fan and the key, then the change with its record in one transaction."""
    zone = get_settings().community_time_zone

    def decide(fan: fans.Fan) -> fan_update.Decision[Outcome]:
        if not fan.stored:
            raise FanNotFound(f"No fan {fan_id} has used the service yet.")
        change, entry = fans.adjust(fan, delta, reason, now, zone)
        status, body = render(AdjustmentResult(change.fan, entry))
        return fan_update.Decision(Outcome(status, body), change)

    def commit(decision: fan_update.Decision[Outcome], token: str) -> None:
        if decision.change is not None:
            record = request.record(decision.result.status, decision.result.body, now)
            writes.commit_fan_change(decision.change, token, record, now)

    def operation() -> Outcome:
        context = reads.fan_context(fan_id, None, request.key)
        record = live(context.record, now)
        if record is not None:
            return Outcome.replay(record, request)
        known = fan_update.current(fan_id, context.fan)
        return fan_update.update(fan_id, decide, commit, known=known, known_fresh=True)

    return run(request, now, operation, look_first=False)
