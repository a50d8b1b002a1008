from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import idempotency
from chalicelib.domain.errors import IdempotencyKeyReused
from chalicelib.settings import SettingsError, load_settings

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def test_fingerprint_ignores_key_order_but_not_values():
    a = idempotency.fingerprint("post", "/v1/redemptions", {"reward_id": "x", "quantity": 1})
    b = idempotency.fingerprint("POST", "/v1/redemptions", {"quantity": 1, "reward_id": "x"})
    c = idempotency.fingerprint("POST", "/v1/redemptions", {"quantity": 2, "reward_id": "x"})
    d = idempotency.fingerprint("POST", "/v1/other", {"quantity": 1, "reward_id": "x"})
    assert a == b and len({a, c, d}) == 3


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("a", True),
        ("x" * 255, True),
        ("", False),
        ("x" * 256, False),
        ("tab\there", False),
        ("ünï", False),
        ("spaces ok", True),
    ],
)
def test_key_validity(key, valid):
    assert idempotency.is_valid_key(key) is valid


def test_record_replays_same_request_and_refuses_another():
    record = idempotency.IdempotencyRecord.for_response("k", "fp", 201, "{}", NOW, 24)
    assert record.replay_for("fp") is record
    with pytest.raises(IdempotencyKeyReused):
        record.replay_for("other")
    assert record.is_live(NOW + timedelta(hours=23, minutes=59))
    assert not record.is_live(NOW + timedelta(hours=24))


def test_keys_are_scoped_per_caller():
    assert idempotency.scoped_key("fan-a", "k") != idempotency.scoped_key("fan-b", "k")


def test_settings_defaults_and_rules_as_data():
    settings = load_settings({"CHECKIN_STREAK_BONUSES": '[{"every": 3, "points": 5}]', "CHECKIN_BASE_POINTS": "2"})
    assert settings.community_time_zone == "UTC"
    assert settings.checkin_rules.points_for(3) == 7
    assert settings.table_name("fans") == "fan-engagement-dev-fans"
    assert (settings.job_segments, settings.job_queue_url, settings.job_queue_max_receives) == (32, None, 3)


def test_a_job_queue_url_is_queue_mode_and_an_empty_one_is_not():
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
    assert load_settings({"JOB_QUEUE_URL": url}).job_queue_url == url
    assert load_settings({"JOB_QUEUE_URL": ""}).job_queue_url is None


@pytest.mark.parametrize(
    "env",
    [
        {"COMMUNITY_TIME_ZONE": "Nowhere/Else"},
        {"CHECKIN_BASE_POINTS": "ten"},
        {"CHECKIN_STREAK_BONUSES": "[{}]"},
        {"CHECKIN_STREAK_BONUSES": '[{"every": 0, "points": 5}]'},
        {"IDEMPOTENCY_TTL_HOURS": "12"},
        {"JOB_SEGMENTS": "0"},
        {"JOB_QUEUE_MAX_RECEIVES": "0"},
    ],
)
def test_bad_settings_fail_at_start(env):
    with pytest.raises(SettingsError):
        load_settings(env)
