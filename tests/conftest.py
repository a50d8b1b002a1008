"""Test environment: fake AWS credentials, a development key pair, and moto imported before the app."""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import tempfile
from pathlib import Path

_KEYS = Path(tempfile.mkdtemp(prefix="fan-engagement-keys-"))
atexit.register(shutil.rmtree, _KEYS, ignore_errors=True)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",  # moto's DynamoDB Streams answer only without account-id endpoints
        "TABLE_PREFIX": "test",
        "COMMUNITY_TIME_ZONE": "Asia/Shanghai",
        "CHECKIN_BASE_POINTS": "10",
        "CHECKIN_STREAK_BONUSES": '[{"every": 7, "points": 50}]',
        "JWT_ISSUER": "fan-engagement-local",
        "DEV_JWT_PUBLIC_KEY": str(_KEYS / "dev-jwt-public.pem"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FanEngagementTest",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "WEBHOOK_SECRETS": json.dumps(
            {
                "tiktok": [
                    "whsec_" + base64.b64encode(b"tiktok-current-secret-32-bytes!!").decode(),
                    "whsec_" + base64.b64encode(b"tiktok-previous-secret-32-bytes!").decode(),
                ],
                "youtube": ["whsec_" + base64.b64encode(b"youtube-secret-32-bytes-long!!!!").decode()],
            }
        ),
        "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:test-alerts",
        "ENGAGEMENT_RULES": json.dumps({"daily_caps": {"liked": 3, "commented": 2, "shared": 2, "viewed": 2}}),
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import moto  # noqa: E402,F401  (must patch botocore before any client exists)
from botocore.handlers import BUILTIN_HANDLERS  # noqa: E402

from tests import events  # noqa: E402

BUILTIN_HANDLERS.append(("provide-client-params.events.PutEvents", events.check_every_put))  # on every client

from tools import devtokens  # noqa: E402

devtokens.ensure_keys(_KEYS)
KEYS_DIR = _KEYS

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.support import Api, Clock, Streams  # noqa: E402


@pytest.fixture(autouse=True)
def events_match_their_schemas() -> Iterator[None]:
    """Every event a test makes the app publish matches its documented schema (docs/events/)."""
    events.violations.clear()
    yield
    assert events.violations == [], "published events that do not match their schema"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from chalicelib import clock as clock_module

    fake = Clock()
    monkeypatch.setattr(clock_module, "now", fake)
    return fake


@pytest.fixture
def aws() -> Iterator[None]:
    from chalicelib.messaging import notifications
    from chalicelib.persistence import tables
    from chalicelib.services import caches

    with mock_aws():
        tables.create_all()
        notifications.create_topic("test-alerts")
        caches.clear_all()
        yield


@pytest.fixture
def api(aws: None, clock: Clock) -> Iterator[Api]:
    """The `local` stage, so that no deploy-time setting (Cognito's JWKS URL) reaches tests.

    Chalice's test client swaps `os.environ` for a patched copy around each request and puts
    back whatever it found; two threads interleaving would leave a copy in place, so the real
    mapping is restored afterwards whatever happened.
    """
    import app as application

    environ = os.environ
    try:
        with Client(application.app, stage_name="local") as client:
            yield Api(client)
    finally:
        os.environ = environ  # noqa: B003  (puts back the real mapping chalice swapped out)


@pytest.fixture
def streams(api: Api) -> Streams:
    """The tables' streams fed to the app's stream handlers on demand, and the events that reached the bus."""
    return Streams(api)
