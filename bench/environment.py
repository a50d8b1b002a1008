"""The benchmark's process environment: fake AWS credentials, moto, a dev key pair, fresh tables.

`configure()` must run before moto, `app` or `chalicelib` is imported: settings are read once per
process, and a botocore client created before moto is imported would not be mocked.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.driver import Clock, Driver, installed

TABLE_PREFIX = "bench"
TIKTOK_SECRET = "whsec_" + base64.b64encode(b"bench-tiktok-secret-32-bytes!!!!").decode()


def settings_env(keys_dir: Path) -> dict[str, str]:
    """Everything the app reads, with credentials that real AWS would refuse."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "TABLE_PREFIX": TABLE_PREFIX,
        "COMMUNITY_TIME_ZONE": "UTC",
        "JWT_ISSUER": "fan-engagement-local",
        "DEV_JWT_PUBLIC_KEY": str(keys_dir / "dev-jwt-public.pem"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FanEngagementBench",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "WEBHOOK_SECRETS": json.dumps({"tiktok": [TIKTOK_SECRET]}),
        # High caps so that every benchmarked like earns (a capped like costs the same requests).
        "ENGAGEMENT_RULES": json.dumps({"daily_caps": {"liked": 1_000_000}}),
        "JOB_SEGMENTS": "4",  # the recalculation bench's segments (bench/results/recalculation.json)
    }


def configure() -> Path:
    """Set the environment, create a throwaway dev key pair, import moto; returns the key directory."""
    keys_dir = Path(tempfile.mkdtemp(prefix="fan-engagement-bench-keys-"))
    atexit.register(shutil.rmtree, keys_dir, ignore_errors=True)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "JWKS_URL"):
        os.environ.pop(name, None)
    os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    os.environ.update(settings_env(keys_dir))

    import moto  # noqa: F401  (patches botocore before any client exists)

    from tools import devtokens

    devtokens.ensure_keys(keys_dir)
    return keys_dir


@contextmanager
def fresh_aws() -> Iterator[None]:
    """A new in-process moto with every table created and every per-process cache empty."""
    from moto import mock_aws

    from chalicelib.persistence import tables
    from chalicelib.services import caches

    with mock_aws():
        tables.create_all()
        caches.clear_all()
        yield


@contextmanager
def driven() -> Iterator[Driver]:
    """A fresh moto, a fixed clock installed as `chalicelib.clock.now`, and a driver over the test client."""
    from chalice.test import Client

    import app as application

    environ = os.environ
    with fresh_aws(), installed(Clock()) as clock:
        try:
            with Client(application.app, stage_name="local") as client:
                yield Driver(client, clock)
        finally:
            os.environ = environ  # noqa: B003  (chalice's test client swaps the mapping per request)
