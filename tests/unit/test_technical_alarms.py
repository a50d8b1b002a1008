"""CloudWatch alarm state changes (EventBridge) as technical observations."""

from datetime import UTC, datetime

import pytest

from chalicelib.domain.alerts import technical


def event(name="fan-engagement-dev-Api5xxAlarm", state="ALARM", **detail):
    return {
        "version": "0",
        "id": "e-1",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2026-11-22T04:00:00Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {"value": state, "reason": "Threshold Crossed", "timestamp": "2026-11-22T03:59:30.120+0000"},
            "previousState": {"value": "OK"},
            **detail,
        },
    }


def test_alarm_holds_the_condition_at_the_alarms_level_with_its_runbook():
    observation = technical.observation(event())
    assert observation.dedup_key == "technical:fan-engagement-dev-Api5xxAlarm:eu-west-1"
    assert observation.level == "activate"
    assert observation.runbook == "docs/operations.md#api5xxalarm-the-api-answers-5xx"
    assert observation.observed_at == datetime(2026, 11, 22, 3, 59, 30, 120000, tzinfo=UTC)
    assert observation.evidence["previous_state"] == "OK" and observation.summary.startswith("Threshold Crossed")
    assert observation.pending.total_seconds() == 0 and observation.clear_period.total_seconds() == 0


def test_ok_clears_it():
    observation = technical.observation(event(state="OK"))
    assert observation.level is None and observation.rule == "fan-engagement-dev-Api5xxAlarm"


@pytest.mark.parametrize(
    ("name", "level", "anchor"),
    [
        ("fan-engagement-dev-JobRunsFailedAlarm", "warning", "jobrunsfailedalarm-a-scheduled-job-run-failed"),
        ("fan-engagement-dev-FansTableThrottleAlarm", "activate", "fanstablethrottlealarm-the-fans-table-is-throttled"),
        ("fan-engagement-dev-SomeNewAlarm", "activate", "technical-alarms"),
    ],
)
def test_each_alarm_has_its_level_and_runbook_and_new_ones_a_general_one(name, level, anchor):
    observation = technical.observation(event(name))
    assert observation.level == level and observation.runbook.endswith("#" + anchor)


@pytest.mark.parametrize(
    "broken",
    [
        event(state="INSUFFICIENT_DATA"),
        {**event(), "detail-type": "Scheduled Event"},
        {**event(), "detail": "not a map"},
        event(name=""),
        {**event(), "detail": {"alarmName": "x", "state": "ALARM"}},
        {},
    ],
)
def test_anything_else_observes_nothing(broken):
    assert technical.observation(broken) is None


def test_an_unreadable_state_time_falls_back_to_the_events_time():
    observation = technical.observation(event(state={"value": "ALARM", "timestamp": "yesterday"}))
    assert observation is None  # a state that is not a map with a known value
    odd = event()
    odd["detail"]["state"]["timestamp"] = "yesterday"
    assert technical.observation(odd).observed_at == datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
