"""The simulated deployment's process environment, for `python -m backtest.cli` (the tests use conftest's).

`configure()` must run before moto, `app` or `chalicelib` is imported: settings are read once per
process, and a botocore client created before moto is imported would not be mocked. The scenario's
own `settings` and time zone are applied per run (`backtest.simulate`).
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import tempfile
from pathlib import Path

SECRET = "whsec_" + base64.b64encode(b"backtest-tiktok-secret-32-bytes!").decode()


def configure() -> Path:
    """Fake credentials, a throwaway dev key pair, the alerts topic's ARN; moto imported. The key directory."""
    keys = Path(tempfile.mkdtemp(prefix="fan-engagement-backtest-keys-"))
    atexit.register(shutil.rmtree, keys, ignore_errors=True)
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_PROFILE",
        "JWKS_URL",
        "AWS_LAMBDA_FUNCTION_NAME",
    ):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",  # moto's DynamoDB Streams answer only without them
            "TABLE_PREFIX": "backtest",
            "JWT_ISSUER": "fan-engagement-local",
            "DEV_JWT_PUBLIC_KEY": str(keys / "dev-jwt-public.pem"),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "FanEngagementBacktest",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "WEBHOOK_SECRETS": json.dumps({"tiktok": [SECRET]}),
            "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:backtest-alerts",
            "JOB_SEGMENTS": "4",
        }
    )
    import moto  # noqa: F401  (patches botocore before any client exists)

    from tools import devtokens

    devtokens.ensure_keys(keys)
    return keys
