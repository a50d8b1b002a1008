"""Evaluations against moto: committed decisions, SNS delivery with filterable attributes, the outbox's recovery."""

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.alerts import lifecycle
from chalicelib.domain.alerts.model import Observation
from chalicelib.messaging import notifications
from chalicelib.persistence import alerts, outbox, silences
from chalicelib.services import alerting
from chalicelib.settings import get_settings
from tests.alert_support import Subscriber

MIN = timedelta(minutes=1)


def hit(level="activate", rule="points_farming", category="user", **kwargs):
    return Observation(rule, category, "community", level, title="Farming", summary="s", runbook="r#farming", **kwargs)


def clear(rule="points_farming", category="user"):
    return Observation(rule, category, "community", None)


@pytest.fixture
def ops(aws):
    return Subscriber()


def test_a_raised_alert_reaches_the_topic_with_its_attributes_and_is_stored(ops, clock):
    result = alerting.evaluate([hit()], clock.now)
    assert (result.written, result.decided, result.published) == (1, {"raised": 1}, 1)
    [message] = ops.received()
    assert message["notification"] == "raised" and message["dedup_key"] == "user:points_farming:community"
    assert message["_attributes"] == {
        "level": "activate",
        "category": "user",
        "status": "open",
        "rule": "points_farming",
        "notification": "raised",
    }
    stored = alerts.latest("user:points_farming:community")
    assert (stored.status, stored.notifications, stored.version) == ("open", 1, 1)
    assert outbox.unsent() == []


def test_an_evaluation_that_changes_nothing_writes_and_publishes_nothing(ops, clock):
    alerting.evaluate([hit()], clock.now)
    clock.now += MIN
    result = alerting.evaluate([hit(), clear("other_rule")], clock.now)
    assert (result.written, result.published) == (0, 0)
    assert len(ops.received()) == 1 and alerts.latest("user:other_rule:community") is None


def test_a_subscription_filtering_on_level_escalate_gets_only_escalations(ops, clock):
    pager = Subscriber({"level": ["escalate"]})
    alerting.evaluate([hit("activate"), hit("warning", rule="stock_low", category="operations")], clock.now)
    clock.now += 30 * MIN
    alerting.sweep(clock.now)  # the unacknowledged activate escalates
    assert sorted(ops.kinds()) == ["escalated", "raised", "raised"]
    [page] = pager.received()
    assert (page["notification"], page["level"], page["rule"]) == ("escalated", "escalate", "points_farming")


class Crash(BaseException):
    """The process dying between the state write and the SNS call (nothing catches it)."""


def test_a_crash_between_the_state_write_and_the_publish_is_published_once_by_a_later_sweep(ops, clock, monkeypatch):
    def crash(*args):
        raise Crash()

    with monkeypatch.context() as patched:
        patched.setattr(notifications, "publish", crash)
        with pytest.raises(Crash):
            alerting.evaluate([hit()], clock.now)
    [unsent] = outbox.unsent()
    assert alerts.latest("user:points_farming:community").status == "open" and ops.received() == []
    assert alerting.publish_pending(clock.now + 30 * alerting.LEASE / 60) == 0  # the crashed writer's claim is live
    clock.now += alerting.LEASE + timedelta(seconds=1)
    assert alerting.sweep(clock.now).published == 1
    assert alerting.sweep(clock.now).published == 0 and alerting.publish_pending(clock.now) == 0
    [message] = ops.received()
    assert message["notification_id"] == unsent.notification_id and outbox.unsent() == []


def test_sns_failing_leaves_the_notification_for_the_next_sweep(ops, clock, monkeypatch):
    def unavailable(*args):
        raise ConnectionError("sns down")

    with monkeypatch.context() as patched:
        patched.setattr(notifications, "publish", unavailable)
        result = alerting.evaluate([hit()], clock.now)
        assert (result.decided, result.published) == ({"raised": 1}, 0)
        clock.now += 2 * alerting.LEASE
        assert alerting.sweep(clock.now).published == 0  # still failing: claimed, tried, left unsent
    clock.now += 2 * alerting.LEASE
    assert alerting.sweep(clock.now).published == 1
    assert [m["notification"] for m in ops.received()] == ["raised"]


def test_a_missing_topic_setting_keeps_notifications_unsent(ops, clock, monkeypatch):
    from chalicelib.settings import get_settings

    unset = replace(get_settings(), alerts_topic_arn=None)
    monkeypatch.setattr(notifications, "get_settings", lambda: unset)
    assert alerting.evaluate([hit()], clock.now).published == 0
    assert len(outbox.unsent()) == 1


def test_resolution_is_published_once_when_the_condition_clears(ops, clock):
    alerting.evaluate([hit(clear_period=timedelta(0))], clock.now)
    for _ in range(3):
        clock.now += MIN
        alerting.evaluate([clear()], clock.now)
        alerting.sweep(clock.now)
    assert ops.kinds() == ["raised", "resolved"]
    assert alerts.latest("user:points_farming:community").status == "resolved"


def test_a_quiet_key_read_lately_is_not_read_again_and_a_pending_alert_written_elsewhere_is_seen_within_30_minutes(
    ops, clock, monkeypatch
):
    reads: list[str] = []
    latest = alerts.latest
    monkeypatch.setattr(alerts, "latest", lambda key: reads.append(key) or latest(key))
    alerting.evaluate([clear()], clock.now)
    assert reads == ["user:points_farming:community"]
    # another container's scan overlapping this one finds the condition: a pending alert, in no index
    at = lifecycle.Circumstances(clock.now, get_settings().alert_policy)
    elsewhere = lifecycle.step(None, hit(pending=60 * MIN), at)
    alerts.commit(elsewhere.alert, elsewhere.notification, alerting.LEASE)
    clock.now += 25 * MIN
    alerting.evaluate([clear()], clock.now)
    assert len(reads) == 1 and latest("user:points_farming:community").observed == "activate"
    clock.now += 5 * MIN
    alerting.evaluate([clear()], clock.now)
    assert len(reads) == 2 and latest("user:points_farming:community").observed is None  # the condition cleared
    clock.now += 5 * MIN
    alerting.evaluate([hit()], clock.now)  # a hit always reads
    assert len(reads) == 3 and ops.kinds() == ["raised"]


def test_silences_are_read_only_when_a_decision_needs_them(ops, clock, monkeypatch):
    reads: list[int] = []
    everything = silences.everything
    monkeypatch.setattr(silences, "everything", lambda: reads.append(1) or everything())
    alerting.evaluate([clear(), clear("other_rule")], clock.now)
    alerting.sweep(clock.now)  # nothing open
    assert reads == []
    alerting.evaluate([hit()], clock.now)
    assert reads == [1] and ops.kinds() == ["raised"]


def test_technical_observations_go_first_so_an_outage_holds_its_symptoms_in_the_same_evaluation(ops, clock):
    symptom = hit("activate", rule="kpi_drop_dau", category="operations", inhibited_by_technical=True)
    outage = Observation("Api5xxAlarm", "technical", "us-east-1", "activate", clear_period=timedelta(0))
    result = alerting.evaluate([symptom, outage], clock.now)
    assert result.decided == {"raised": 2} and result.muted == 1
    assert [m["category"] for m in ops.received()] == ["technical"]
    clock.now += MIN
    alerting.evaluate([Observation("Api5xxAlarm", "technical", "us-east-1", None)], clock.now)
    clock.now += MIN
    alerting.sweep(clock.now)  # no technical alert open any more: the held symptom is announced
    assert [(m["category"], m["notification"]) for m in ops.received()] == [
        ("technical", "raised"),
        ("technical", "resolved"),
        ("operations", "raised"),
    ]


def test_one_notification_per_rule_for_many_fans(ops, clock):
    from chalicelib.domain.alerts.evidence import FanHit, grouped

    hits = [FanHit(f"fan-{i}", "warning") for i in range(200)]
    observation = grouped("checkin_ring", "user", "community", hits, limit=20, title="Ring", summary="", runbook="")
    alerting.evaluate([observation], clock.now)
    [message] = ops.received()
    assert len(message["evidence"]["fans"]) == 20 and message["evidence"]["count"] == 200
