"""Standard Webhooks verification: the spec's own vector, tampering, time window, rotation, malformed headers."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.api.webhook_auth import InvalidSignature, secrets_for, verify
from chalicelib.settings import load_settings

# The Standard Webhooks reference libraries' published test vector.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SPEC_NOW = datetime.fromtimestamp(SPEC_TIMESTAMP, tz=timezone.utc)
OTHER = "whsec_" + base64.b64encode(b"another-platform-secret-32-bytes").decode()


def headers(**overrides):
    base = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP), "webhook-signature": SPEC_SIGNATURE}
    return {**base, **overrides}


def test_spec_vector_verifies():
    assert verify((SPEC_SECRET,), headers(), SPEC_BODY, SPEC_NOW) == SPEC_ID


def test_spec_vector_signs_as_published():
    assert Webhook(SPEC_SECRET).sign(SPEC_ID, SPEC_NOW, SPEC_BODY.decode()) == SPEC_SIGNATURE


@pytest.mark.parametrize(
    ("body", "hdrs"),
    [
        (b'{"test": 2432232315}', headers()),
        (SPEC_BODY + b" ", headers()),
        (SPEC_BODY, headers(**{"webhook-id": SPEC_ID + "x"})),
        (SPEC_BODY, headers(**{"webhook-timestamp": str(SPEC_TIMESTAMP + 1)})),
        (SPEC_BODY, headers(**{"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="})),
        (SPEC_BODY, headers(**{"webhook-signature": "v2," + SPEC_SIGNATURE[3:]})),
    ],
)
def test_tampering_is_refused(body, hdrs):
    with pytest.raises(InvalidSignature):
        verify((SPEC_SECRET,), hdrs, body, SPEC_NOW)


@pytest.mark.parametrize("offset", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1)])
def test_stale_and_future_timestamps_are_refused(offset):
    with pytest.raises(InvalidSignature):
        verify((SPEC_SECRET,), headers(), SPEC_BODY, SPEC_NOW + offset)


def test_edges_of_the_window_pass():
    for offset in (timedelta(minutes=5), -timedelta(minutes=5)):
        assert verify((SPEC_SECRET,), headers(), SPEC_BODY, SPEC_NOW + offset) == SPEC_ID


def test_rotation_accepts_any_active_secret_and_any_listed_signature():
    assert verify((OTHER, SPEC_SECRET), headers(), SPEC_BODY, SPEC_NOW) == SPEC_ID
    listed = f"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc {SPEC_SIGNATURE} v1,!!notbase64"
    assert verify((SPEC_SECRET,), headers(**{"webhook-signature": listed}), SPEC_BODY, SPEC_NOW) == SPEC_ID


def test_another_platforms_secret_is_refused():
    with pytest.raises(InvalidSignature):
        verify((OTHER,), headers(), SPEC_BODY, SPEC_NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_refused(missing):
    with pytest.raises(InvalidSignature):
        verify((SPEC_SECRET,), headers(**{missing: ""}), SPEC_BODY, SPEC_NOW)


@pytest.mark.parametrize(
    "bad",
    [
        {"webhook-timestamp": "soon"},
        {"webhook-timestamp": "-5"},
        {"webhook-timestamp": "1e9"},
        {"webhook-signature": "v1"},
        {"webhook-signature": "garbage"},
        {"webhook-signature": "v1,%%%"},
    ],
)
def test_malformed_headers_are_refused_not_crashing(bad):
    with pytest.raises(InvalidSignature):
        verify((SPEC_SECRET,), headers(**bad), SPEC_BODY, SPEC_NOW)


def test_non_utf8_body_is_refused():
    with pytest.raises(InvalidSignature):
        verify((SPEC_SECRET,), headers(), b"\xff\xfe", SPEC_NOW)


def test_secrets_come_from_settings_and_unknown_platforms_have_none():
    settings = load_settings({"WEBHOOK_SECRETS": json.dumps({"tiktok": [SPEC_SECRET]})})
    assert secrets_for("tiktok", settings) == (SPEC_SECRET,)
    assert secrets_for("myspace", settings) is None
