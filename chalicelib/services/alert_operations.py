"""Operators and alerts: the listing, acknowledging (stops repeats and escalation) and resolving (one notification).

Both actions are idempotent requests: the answer is kept under the caller's key in the same
transaction as the alert's change, and each is also idempotent by nature (an acknowledged alert
stays acknowledged; a resolved alert is not resolved again, so there is never a second
`resolved` notification).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.alerts import lifecycle
from chalicelib.domain.alerts.model import Alert, Listed
from chalicelib.domain.errors import AlertNotFound, Unavailable
from chalicelib.persistence import alerts, writes
from chalicelib.persistence.cursors import Page
from chalicelib.services import alerting, idempotent
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render
from chalicelib.settings import get_settings


def page(status: Listed | None, since: datetime | None, limit: int, cursor: str | None) -> Page[Alert]:
    return alerts.page(status, since, limit, cursor)


def acknowledge(alert_id: str, by: str, request: IdempotentRequest, render: Render[Alert], now: datetime) -> Outcome:
    def decide(found: Alert) -> lifecycle.Transition:
        return lifecycle.Transition(lifecycle.acknowledge(found, by, now))

    return _act(alert_id, request, render, now, decide)


def resolve(alert_id: str, by: str, request: IdempotentRequest, render: Render[Alert], now: datetime) -> Outcome:
    return _act(alert_id, request, render, now, lambda found: lifecycle.resolve(found, by, now))


def _act(
    alert_id: str,
    request: IdempotentRequest,
    render: Render[Alert],
    now: datetime,
    decide: Callable[[Alert], lifecycle.Transition],
) -> Outcome:
    def operation() -> Outcome:
        found = alerts.get(alert_id)
        for _ in range(get_settings().write_attempts):
            if found is None or found.status == "pending":
                raise AlertNotFound(f"No alert {alert_id}.")
            transition = decide(found)
            changed = transition.alert or found
            status, body = render(changed)
            record = request.record(status, body, now)
            if changed is found:
                writes.keep_answer(record, now)
                return Outcome(status, body)
            try:
                sent = alerts.commit(changed, transition.notification, alerting.LEASE, record, now)
            except alerts.StaleAlert as stale:
                found = stale.current
                continue
            if sent is not None:
                alerting.deliver(sent, now)
            return Outcome(status, body)
        raise Unavailable("The alert is changing concurrently; retry shortly.")

    return idempotent.run(request, now, operation, look_first=True)
