"""Standard Webhooks verification: `v1` HMAC-SHA256 over `id.timestamp.body`, several secrets per platform.

The signature itself comes from the maintained `standardwebhooks` library; we add the parts it
leaves to the caller or does not let us control: our clock for the ±5 minute window (so tests
can move time), several active secrets (rotation), and refusing malformed headers instead of
raising on them. Secrets come from the environment locally and from SSM Parameter Store
(Powertools Parameters, cached) when deployed; they are never logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from standardwebhooks.webhooks import Webhook

from chalicelib.settings import Settings

TOLERANCE = timedelta(minutes=5)
SECRETS_CACHE_SECONDS = 300
_UNIX_SECONDS = re.compile(r"[0-9]{1,16}")
"""ASCII digits only (`str.isdigit` also accepts '²' and Arabic-Indic digits), bounded so `int` stays cheap."""


class InvalidSignature(Exception):
    """Missing or malformed headers, a stale or future timestamp, or no matching signature."""


@lru_cache(maxsize=64)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def secrets_for(platform: str, settings: Settings) -> tuple[str, ...] | None:
    """The platform's active secrets, or None for a platform we do not know."""
    if settings.webhook_secrets_parameter:
        from aws_lambda_powertools.utilities import parameters

        stored = parameters.get_parameter(
            settings.webhook_secrets_parameter, decrypt=True, transform="json", max_age=SECRETS_CACHE_SECONDS
        )
        values = stored.get(platform) if isinstance(stored, Mapping) else None
        return tuple(str(v) for v in values) if values else None
    return settings.webhook_secrets.get(platform)


def verify(secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: datetime) -> str:
    """Check a delivery; returns its `webhook-id`."""
    webhook_id, timestamp, signatures = (
        headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
    )
    if not webhook_id or not timestamp or not signatures:
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise InvalidSignature("webhook-timestamp must be unix seconds")
    seconds = int(timestamp)
    if abs(seconds - now.timestamp()) > TOLERANCE.total_seconds():
        raise InvalidSignature("webhook-timestamp is more than 5 minutes from now")
    sent = datetime.fromtimestamp(seconds, tz=timezone.utc)
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSignature("body is not UTF-8") from None
    offered = []
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1":
            try:
                offered.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                continue
    for secret in secrets:
        expected = base64.b64decode(_signer(secret).sign(webhook_id, sent, payload).split(",", 1)[1])
        if any(hmac.compare_digest(expected, sig) for sig in offered):
            return webhook_id
    raise InvalidSignature("no signature matches an active secret")
