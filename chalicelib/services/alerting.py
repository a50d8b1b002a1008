"""Rule observations into alerts and notifications: decide (domain/alerts/lifecycle.py), commit, publish.

`evaluate(observations, now)` is what an evaluation calls with everything its rules observed (the
risk scan, a CloudWatch alarm's state change); `sweep(now)` moves open alerts along with time
alone (escalation, repeats, resolution after the clear period). Both end by publishing what was
left unsent. They are idempotent and safe to run at once: every decision is committed with a
version condition, together with the notification it decided, and only the evaluation whose
commit decided a notification publishes it; one left unsent (a crash, SNS failing) is published
again under the same id after its claim lapses (docs/operations.md, "Alert lifecycle").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts import lifecycle, technical
from chalicelib.domain.alerts.model import Alert, Observation, Silence
from chalicelib.domain.errors import Unavailable
from chalicelib.messaging import notifications
from chalicelib.observability import count, logger
from chalicelib.persistence import alerts, outbox, silences
from chalicelib.services import quiet_alerts
from chalicelib.settings import get_settings

LEASE = timedelta(seconds=60)
"""How long a writer's claim on its notification lasts: longer than a publish (SNS timeouts and retries) takes."""


@dataclass
class Evaluated:
    """What one evaluation or sweep did: alerts written, notifications decided by kind, published, muted."""

    observations: int = 0
    written: int = 0
    decided: dict[str, int] = field(default_factory=dict)
    published: int = 0
    muted: int = 0
    failed: int = 0


@dataclass
class _Circumstances:
    """Silences and open technical alerts as of the evaluation's start, kept current as it commits.

    Silences are read when the first decision needs them: an evaluation whose every observation is
    quiet with no alert, or a sweep with nothing open, reads none."""

    now: datetime
    technical: dict[str, bool]
    open_keys: frozenset[str]
    _silences: tuple[Silence, ...] | None = None

    @classmethod
    def read(cls, now: datetime, open_alerts: list[Alert]) -> _Circumstances:
        technical_keys = {a.dedup_key: True for a in open_alerts if a.category == "technical"}
        return cls(now, technical_keys, frozenset(a.dedup_key for a in open_alerts))

    def at(self) -> lifecycle.Circumstances:
        if self._silences is None:
            self._silences = tuple(s for s in silences.everything() if s.active(self.now))
        policy = get_settings().alert_policy
        return lifecycle.Circumstances(self.now, policy, self._silences, any(self.technical.values()))

    def note(self, alert: Alert | None) -> None:
        if alert is not None and alert.category == "technical":
            self.technical[alert.dedup_key] = alert.is_open


def evaluate(observations: Iterable[Observation], now: datetime) -> Evaluated:
    """Apply one evaluation's observations, technical ones first so that an outage inhibits its symptoms at once.

    Two observations of one dedup key in a batch: the last one counts.
    """
    batch = {o.dedup_key: o for o in observations}
    result = Evaluated(observations=len(batch))
    state = _Circumstances.read(now, alerts.open_alerts())
    for observation in sorted(batch.values(), key=lambda o: o.category != "technical"):
        state.note(_apply(observation.dedup_key, None, observation, state, result))
    result.published += publish_pending(now)
    return result


def sweep(now: datetime) -> Evaluated:
    """Time alone: escalate, repeat and resolve open alerts, then publish what was left unsent.

    One alert's failure is logged and left to the next sweep; it does not stop the others.
    """
    result = Evaluated()
    found = alerts.open_alerts()
    state = _Circumstances.read(now, found)
    for alert in sorted(found, key=lambda a: a.category != "technical"):
        try:
            state.note(_apply(alert.dedup_key, alert, None, state, result))
        except Exception:
            logger.exception("alert sweep failed for one alert", extra={"alert_id": alert.alert_id})
            result.failed += 1
    result.published += publish_pending(now)
    return result


def alarm_changed(event: Mapping[str, Any], now: datetime) -> Evaluated:
    """A CloudWatch alarm's state change (EventBridge), as a technical observation; other events change nothing."""
    observation = technical.observation(event)
    if observation is None:
        logger.info("event is not an alarm state we act on", extra={"detail_type": event.get("detail-type")})
        return Evaluated()
    return evaluate([observation], now)


def _apply(
    key: str, known: Alert | None, observation: Observation | None, state: _Circumstances, result: Evaluated
) -> Alert | None:
    """Decide and commit for one dedup key, deciding again from what a stale write found; publish what it decided.

    A quiet observation of a key with no alert in progress, as this process read it lately, reads nothing.
    """
    quiet = observation is not None and observation.level is None
    if known is None and quiet and key not in state.open_keys and quiet_alerts.known(key, state.now):
        return None
    latest = known if known is not None else alerts.latest(key)
    if quiet and not _in_progress(latest):
        quiet_alerts.remember(key, state.now)
        return latest  # a quiet observation changes none of these: no silences to read, nothing to write
    for _ in range(get_settings().write_attempts):
        transition = lifecycle.step(latest, observation, state.at())
        if transition.alert is latest or transition.alert is None:
            _note_quiet(key, latest, state.now)
            return latest
        try:
            sent = alerts.commit(transition.alert, transition.notification, LEASE)
        except alerts.StaleAlert as stale:
            latest = stale.current if stale.current is not None else alerts.latest(key)
            continue
        _record(transition, result)
        _note_quiet(key, transition.alert, state.now)
        if sent is not None and deliver(sent, state.now):
            result.published += 1
        return transition.alert
    raise Unavailable(f"Alert {key} kept changing; the next evaluation decides again.")


def _in_progress(alert: Alert | None) -> bool:
    """False for no alert, a resolved one, or a pending one whose condition cleared: a quiet observation
    changes none of them."""
    if alert is None or alert.status == "resolved":
        return False
    return not (alert.status == "pending" and alert.observed is None)


def _note_quiet(key: str, alert: Alert | None, now: datetime) -> None:
    if _in_progress(alert):
        quiet_alerts.forget(key)
    else:
        quiet_alerts.remember(key, now)


def _record(transition: lifecycle.Transition, result: Evaluated) -> None:
    result.written += 1
    alert = transition.alert
    if transition.decided is None or alert is None:
        return
    result.decided[transition.decided] = result.decided.get(transition.decided, 0) + 1
    muted = transition.notification is None and transition.muted_by is not None
    result.muted += int(muted)
    logger.info(
        "alert notification decided",
        extra={
            "alert_id": alert.alert_id,
            "dedup_key": alert.dedup_key,
            "notification": transition.decided,
            "alert_level": alert.level,  # `level` is the log line's own
            "alert_status": alert.status,
            "muted_by": transition.muted_by if muted else None,
        },
    )


def deliver(sent: outbox.Outgoing, now: datetime) -> bool:
    """Publish a claimed notification and mark it sent; on failure it stays unsent for the next sweep."""
    try:
        notifications.publish(sent.message, sent.attributes, sent.subject)
    except Exception:
        logger.exception("alert notification not published", extra={"notification_id": sent.notification_id})
        count("AlertNotificationsFailed")
        return False
    outbox.mark_sent(sent.notification_id, now)
    count("AlertNotifications", level=sent.attributes["level"])
    return True


def publish_pending(now: datetime) -> int:
    """Publish unsent notifications whose claim has lapsed, oldest first, under their own ids; how many went out."""
    published = 0
    for pending in outbox.unsent():
        if pending.claimed_until is not None and pending.claimed_until >= now.timestamp():
            continue  # its writer may still be publishing it
        if outbox.claim(pending.notification_id, now, LEASE) and deliver(pending, now):
            published += 1
    return published
