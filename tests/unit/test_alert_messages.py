"""What reaches subscribers: grouped per-fan evidence, its size bound, the SNS body and attributes, the settings."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.alerts import evidence, lifecycle, messages
from chalicelib.domain.alerts.evidence import FanHit, grouped
from chalicelib.domain.alerts.model import AlertPolicy, Observation
from chalicelib.settings import SettingsError, load_settings

T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def group(hits, limit=3):
    return grouped("points_farming", "user", "community", hits, limit=limit, title="Farming", summary="s", runbook="r")


def test_per_fan_hits_are_one_observation_at_the_highest_level_with_the_worst_fans_first():
    hits = [FanHit(f"fan-{i}", "warning", {"earned": i}) for i in range(5)] + [FanHit("fan-z", "activate")]
    observation = group(hits)
    assert observation.level == "activate" and observation.dedup_key == "user:points_farming:community"
    assert observation.evidence == {
        "fans": [
            {"fan_id": "fan-z", "level": "activate"},
            {"fan_id": "fan-0", "level": "warning", "earned": 0},
            {"fan_id": "fan-1", "level": "warning", "earned": 1},
        ],
        "count": 6,
        "omitted": 3,
    }


def test_no_hits_is_the_rules_clear_observation():
    observation = group([])
    assert observation.level is None and observation.evidence == {"fans": [], "count": 0, "omitted": 0}


def test_a_thousand_fans_make_one_notification_with_bounded_evidence():
    observation = group([FanHit(f"fan-{i:04d}", "warning") for i in range(1000)], limit=50)
    transition = lifecycle.step(None, observation, lifecycle.Circumstances(T0, AlertPolicy()))
    body = messages.body(transition.notification)
    assert len(body["evidence"]["fans"]) == 50 and body["evidence"]["count"] == 1000


def test_evidence_too_large_for_a_message_is_replaced_by_a_note():
    huge = {"blob": "x" * (evidence.MAX_EVIDENCE_BYTES + 1)}
    assert evidence.bounded(huge)["omitted"] == "evidence too large for a notification"
    small = {"fans": ["a"]}
    assert evidence.bounded(small) is small


def notification(**overrides):
    observation = Observation(
        "Api5xxAlarm", "technical", "us-east-1", "activate", title="API 5XX", summary="5 errors", runbook="r#api"
    )
    return lifecycle.step(None, observation, lifecycle.Circumstances(T0, AlertPolicy())).notification


def test_the_message_carries_exactly_the_contracts_fields_and_its_notification_id():
    sent = notification()
    body = json.loads(messages.text(sent))
    assert set(body) == {
        "alert_id", "dedup_key", "rule", "category", "level", "status", "notification", "title", "summary",
        "evidence", "first_seen_at", "detected_at", "runbook", "notification_id",
    }  # fmt: skip
    assert body["dedup_key"] == "technical:Api5xxAlarm:us-east-1"
    assert (body["level"], body["status"], body["notification"]) == ("activate", "open", "raised")
    assert body["notification_id"] == sent.notification_id and body["runbook"] == "r#api"
    assert datetime.fromisoformat(body["detected_at"]) == T0


def test_attributes_are_strings_subscriptions_can_filter_on():
    assert messages.attributes(notification()) == {
        "level": "activate",
        "category": "technical",
        "status": "open",
        "rule": "Api5xxAlarm",
        "notification": "raised",
    }


def test_the_subject_is_short_printable_ascii():
    sent = notification()
    long_title = lifecycle.step(
        None,
        Observation("r", "user", "s", "warning", title="Ünïcode\nline " * 20),
        lifecycle.Circumstances(T0, AlertPolicy()),
    ).notification
    assert messages.subject(sent) == "[activate] raised: API 5XX"
    subject = messages.subject(long_title)
    assert len(subject) < 100 and all(" " <= ch <= "~" for ch in subject)


def test_alert_settings_default_to_the_contract_and_read_overrides():
    policy = load_settings({}).alert_policy
    assert policy.escalate_after == timedelta(minutes=30) and policy.max_repeats == 5
    assert policy.repeat_intervals == {
        "warning": timedelta(hours=24),
        "activate": timedelta(hours=4),
        "escalate": timedelta(hours=1),
    }
    changed = load_settings(
        {"ALERT_ESCALATE_AFTER_MINUTES": "10", "ALERT_REPEAT_MINUTES": '{"warning": 60}', "ALERT_CLEAR_MINUTES": "0"}
    )
    assert changed.alert_policy.escalate_after == timedelta(minutes=10)
    assert changed.alert_policy.repeat_intervals["warning"] == timedelta(hours=1)
    assert changed.alert_policy.clear_period == timedelta(0)
    topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    assert load_settings({"ALERTS_TOPIC_ARN": topic}).alerts_topic_arn == topic


@pytest.mark.parametrize(
    "env",
    [
        {"ALERT_REPEAT_MINUTES": '{"critical": 5}'},
        {"ALERT_REPEAT_MINUTES": '{"warning": 0}'},
        {"ALERT_REPEAT_MINUTES": "[1]"},
        {"ALERT_ESCALATE_AFTER_MINUTES": "0"},
        {"ALERT_MAX_REPEATS": "-1"},
    ],
)
def test_malformed_alert_settings_are_refused_at_start_up(env):
    with pytest.raises(SettingsError):
        load_settings(env)
