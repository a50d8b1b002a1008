"""Test environment: fake AWS credentials, a development key pair, and moto imported before the app."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_KEYS = Path(tempfile.mkdtemp(prefix="fan-engagement-keys-"))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "TABLE_PREFIX": "test",
        "COMMUNITY_TIME_ZONE": "Asia/Shanghai",
        "CHECKIN_BASE_POINTS": "10",
        "CHECKIN_STREAK_BONUSES": '[{"every": 7, "points": 50}]',
        "JWT_ISSUER": "fan-engagement-local",
        "DEV_JWT_PUBLIC_KEY": str(_KEYS / "dev-jwt-public.pem"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FanEngagementTest",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import moto  # noqa: E402,F401  (must patch botocore before any client exists)

from tools import devtokens  # noqa: E402

devtokens.ensure_keys(_KEYS)
KEYS_DIR = _KEYS
