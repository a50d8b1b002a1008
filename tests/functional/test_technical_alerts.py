"""CloudWatch alarms reach the alerts topic through the EventBridge handler; the sweep runs as its schedule would."""

from datetime import timedelta

import pytest

from chalicelib.persistence import alerts
from tests.alert_support import Subscriber, alarm_event

ALARM = "fan-engagement-dev-Api5xxAlarm"
KEY = f"technical:{ALARM}:us-east-1"


def state_change(state, at, event_id="e-1"):
    return alarm_event(state, at, ALARM, event_id)


@pytest.fixture
def ops(api):
    return Subscriber()


def alarm(api, event):
    return api.client.lambda_.invoke("alarm_state_changed", event).payload


def test_an_alarm_raises_a_technical_alert_once_and_ok_resolves_it(api, ops, clock):
    raised = alarm(api, state_change("ALARM", clock.now))
    assert raised["decided"] == {"raised": 1} and raised["published"] == 1
    assert alarm(api, state_change("ALARM", clock.now))["written"] == 0  # EventBridge delivered it twice
    clock.now += timedelta(minutes=3)
    assert alarm(api, state_change("OK", clock.now, "e-2"))["decided"] == {"resolved": 1}
    messages = ops.received()
    assert [(m["category"], m["notification"], m["level"]) for m in messages] == [
        ("technical", "raised", "activate"),
        ("technical", "resolved", "activate"),
    ]
    assert messages[0]["runbook"] == "docs/operations.md#api5xxalarm-the-api-answers-5xx"
    assert messages[0]["evidence"]["state"] == "ALARM" and messages[0]["rule"] == ALARM


def test_an_alarm_delivered_after_the_ok_that_followed_it_changes_nothing(api, ops, clock):
    earlier = clock.now
    alarm(api, state_change("ALARM", earlier))
    clock.now += timedelta(minutes=5)
    alarm(api, state_change("OK", clock.now, "e-2"))
    clock.now += timedelta(minutes=1)
    assert alarm(api, state_change("ALARM", earlier, "e-1"))["written"] == 0
    assert alerts.latest(KEY).status == "resolved" and ops.kinds() == ["raised", "resolved"]


def test_insufficient_data_and_other_events_change_nothing(api, ops, clock):
    assert alarm(api, state_change("INSUFFICIENT_DATA", clock.now))["observations"] == 0
    odd = {**state_change("ALARM", clock.now), "detail": {"alarmName": ALARM}}
    assert alarm(api, odd)["observations"] == 0
    assert alerts.latest(KEY) is None and ops.received() == []


def test_the_sweep_lambda_escalates_an_unacknowledged_technical_alert(api, ops, clock):
    alarm(api, state_change("ALARM", clock.now))
    clock.now += timedelta(minutes=30)
    event = api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:::rule/alert_sweep"]
    )
    swept = api.client.lambda_.invoke("alert_sweep", event).payload
    assert swept["decided"] == {"escalated": 1} and ops.kinds() == ["raised", "escalated"]
    assert alerts.latest(KEY).level == "escalate"
