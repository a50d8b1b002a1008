"""Deployed, the platforms' webhook secrets come from an SSM SecureString (here on moto)."""

import json

import boto3

from chalicelib.api.webhook_auth import secrets_for
from chalicelib.settings import load_settings

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PARAMETER = "/fan-engagement/test/webhook-secrets"


def test_secrets_from_ssm_parameter(aws):
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PARAMETER, Type="SecureString", Value=json.dumps({"tiktok": [SECRET]})
    )
    settings = load_settings({"WEBHOOK_SECRETS_PARAMETER": PARAMETER})
    assert secrets_for("tiktok", settings) == (SECRET,)
    assert secrets_for("youtube", settings) is None
