"""How one alert moves: raised after its pending period, escalated, repeated, resolved once (docs/operations.md).

`step` is the whole decision for one dedup key at one evaluation: it takes the key's latest
alert (or None), what the rules observed (or None: nothing new, only time passed), and the
circumstances (now, silences, whether a technical alert is open, the policy), and returns the
state to store and the notification to publish, if any. It never reads a clock or a table, so
two evaluations given the same input decide the same; the version-conditioned write makes only
one of them count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.domain.alerts.evidence import bounded
from chalicelib.domain.alerts.model import (
    Alert,
    AlertPolicy,
    Kind,
    Notification,
    Observation,
    Silence,
    alert_id,
    rank,
)
from chalicelib.domain.errors import AlertResolved


@dataclass(frozen=True)
class Circumstances:
    now: datetime
    policy: AlertPolicy
    silences: tuple[Silence, ...] = ()
    technical_open: bool = False


@dataclass(frozen=True)
class Transition:
    """`alert` is what to store (the same object when nothing changed); `muted_by` names a silence or `technical`."""

    alert: Alert | None
    notification: Notification | None = None
    muted_by: str | None = None
    decided: Kind | None = None


def step(latest: Alert | None, observation: Observation | None, at: Circumstances) -> Transition:
    """Apply one observation (or only the passing of time) to the latest alert of its dedup key."""
    seen_at = min(observation.observed_at or at.now, at.now) if observation is not None else at.now
    if observation is not None and latest is not None and seen_at < latest.observed_at:
        observation = None  # older than what the alert already reflects: a late or reordered delivery
    if latest is None or latest.status == "resolved":
        if observation is None or observation.level is None:
            return Transition(latest)
        base = _new(observation, (latest.episode + 1) if latest else 1, seen_at)
        return _decide(base, _observed(base, observation, seen_at), observation is not None, at)
    current = _observed(latest, observation, seen_at) if observation is not None else latest
    return _decide(latest, current, observation is not None, at)


def acknowledge(alert: Alert, by: str, now: datetime) -> Alert:
    """Stops repeats and the escalation of an unacknowledged `activate`; a second acknowledgement changes nothing."""
    if alert.status == "resolved":
        raise AlertResolved(f"Alert {alert.alert_id} is resolved.")
    if alert.status == "acknowledged":
        return alert
    return replace(alert, status="acknowledged", acknowledged_by=by, acknowledged_at=now, version=alert.version + 1)


def resolve(alert: Alert, by: str, now: datetime) -> Transition:
    """An operator closes the alert: one `resolved` notification; resolving it again is no second one."""
    if alert.status == "resolved":
        return Transition(alert)
    resolved = replace(alert, status="resolved", resolved_at=now, resolved_by=by)
    return _finish(alert, resolved, "resolved", None, now)


def _new(observation: Observation, episode: int, seen_at: datetime) -> Alert:
    key = observation.dedup_key
    return Alert(
        alert_id=alert_id(key, episode),
        episode=episode,
        dedup_key=key,
        rule=observation.rule,
        category=observation.category,
        scope=observation.scope,
        status="pending",
        observed=None,
        observed_at=seen_at,
        first_seen_at=seen_at,
    )


def _observed(alert: Alert, observation: Observation, seen_at: datetime) -> Alert:
    """The alert with this observation's condition; a hit also brings its description and periods.

    `observed_at` moves only when the observation changes something: it marks the last change, so
    that a delivery older than it is recognised, and a rule repeating itself writes nothing.
    """
    if observation.level is None and observation.holds and alert.is_open and alert.observed is not None:
        return alert  # not recovered: the raised alert stays as its last hit left it
    if observation.level is None:
        seen = replace(alert, observed=None, condition_since=None, clear_since=alert.clear_since or seen_at)
    else:
        seen = replace(
            alert,
            observed=observation.level,
            condition_since=alert.condition_since or seen_at,
            clear_since=None,
            title=observation.title,
            summary=observation.summary,
            evidence=bounded(observation.evidence),
            runbook=observation.runbook,
            pending=observation.pending,
            repeat_interval=observation.repeat_interval,
            clear_period=observation.clear_period,
            inhibited_by_technical=observation.inhibited_by_technical,
        )
    return seen if seen == alert else replace(seen, observed_at=seen_at)


def _decide(base: Alert, alert: Alert, observed: bool, at: Circumstances) -> Transition:
    """What is due for `alert` (the stored `base` with this evaluation's observation applied)."""
    now, policy = at.now, at.policy
    if alert.status == "pending":
        # Raising needs the condition seen to hold for the pending period: an evaluation with nothing
        # new does not confirm it (a rule that stopped reporting has not re-checked anything).
        since = alert.condition_since
        if not observed or since is None or now - since < _or(alert.pending, policy.pending):
            return _finish(base, alert, None, None, now)
        raised = replace(
            alert, status="open", level=alert.observed, raised_at=now, level_since=now, first_seen_at=since
        )
        return _finish(base, raised, "raised", _muted_by(raised, at), now)
    if alert.observed is None:
        # Clearing: resolved once no hit was seen for the clear period, whether or not this evaluation saw anything.
        cleared = alert.clear_since
        if cleared is not None and now - cleared >= _or(alert.clear_period, policy.clear_period):
            return _finish(base, replace(alert, status="resolved", resolved_at=now), "resolved", None, now)
        return _finish(base, alert, None, None, now)
    alert, kind = _escalation_or_repeat(alert, at)
    muted_by = _muted_by(alert, at)
    if alert.status == "open" and alert.notifications == 0 and muted_by is None:
        kind = "raised"  # raised (or escalated) while silenced or held: announced once that ends
    return _finish(base, alert, kind, muted_by, now)


def _escalation_or_repeat(alert: Alert, at: Circumstances) -> tuple[Alert, Kind | None]:
    now, policy = at.now, at.policy
    level_since = alert.level_since or now
    if rank(alert.observed) > rank(alert.level):
        return replace(alert, level=alert.observed, level_since=now, repeats=0), "escalated"
    if alert.status != "open":
        return alert, None  # acknowledged: no repeats, no escalation by time
    if alert.level == "activate" and now - level_since >= policy.escalate_after:
        return replace(alert, level="escalate", level_since=now, repeats=0), "escalated"
    interval = _or(alert.repeat_interval, policy.repeat_intervals[alert.level or "warning"])
    last = alert.last_notified_at or level_since
    if alert.repeats < policy.max_repeats and now - last >= interval:
        return replace(alert, repeats=alert.repeats + 1), "repeated"
    return alert, None


def _muted_by(alert: Alert, at: Circumstances) -> str | None:
    for silence in at.silences:
        if silence.active(at.now) and silence.matches(alert):
            return f"silence {silence.silence_id}"
    if alert.inhibited_by_technical and at.technical_open and alert.category != "technical":
        return "technical"
    return None


def _finish(base: Alert, alert: Alert, kind: Kind | None, muted_by: str | None, now: datetime) -> Transition:
    """Count the decision, publish it unless muted, and bump the version if anything changed.

    A muted decision is recorded as if sent (it takes its repeat), so a long silence does not
    produce a burst when it ends. `resolved` is published exactly when something about the alert
    was: subscribers close what they were told of, and hear nothing of what they never saw.
    """
    published = False
    if kind is not None:
        if kind == "resolved":
            published = alert.notifications > 0
            muted_by = None
        else:
            published = muted_by is None
        alert = replace(
            alert,
            detected_at=now,
            last_notified_at=now,
            notifications=alert.notifications + (1 if published else 0),
            muted=alert.muted + (0 if published or kind == "resolved" else 1),
        )
    if alert == base:
        return Transition(base)
    stored = replace(alert, version=base.version + 1)
    notification = None
    if published and kind is not None:
        notification = Notification(f"{stored.alert_id}.{stored.version}", kind, stored, now)
    return Transition(stored, notification, muted_by, kind)


def _or(value: timedelta | None, default: timedelta) -> timedelta:
    return default if value is None else value
