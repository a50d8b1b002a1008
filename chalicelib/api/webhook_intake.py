"""Turning a webhook request into a verified, typed delivery: 404 unknown platform, 401 bad signature, 400 bad body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import msgspec

from chalicelib.api.errors import ValidationFailed
from chalicelib.api.routing import Call, header
from chalicelib.api.webhook_auth import InvalidSignature, secrets_for, verify
from chalicelib.domain.errors import DomainError, UnknownPlatform
from chalicelib.domain.platform_events import DATA_TYPES, Envelope
from chalicelib.observability import logger
from chalicelib.services import rejections
from chalicelib.services.deliveries import Delivery
from chalicelib.settings import get_settings

T = TypeVar("T")


class BadSignature(DomainError):
    code, status, title = "invalid_signature", 401, "Webhook signature not valid"


@dataclass(frozen=True)
class Intake:
    delivery: Delivery
    data: object


def _decode(kind: type[T], raw: bytes, where: str) -> T:
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"{where}: {exc}", [{"field": where, "message": str(exc)}]) from None
    except msgspec.DecodeError as exc:
        raise ValidationFailed("The body is not valid JSON.", [{"field": "body", "message": str(exc)}]) from None


def verified(call: Call, platform: str) -> Intake:
    secrets = secrets_for(platform, get_settings()) if len(platform) <= 64 else None
    if not secrets:
        raise UnknownPlatform(f"No platform {platform[:64]!r} is configured.")
    raw = call.request.raw_body or b""
    body = raw.encode() if isinstance(raw, str) else raw
    headers = {
        name: header(call.request, name) or "" for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    try:
        webhook_id = verify(secrets, headers, body, call.now)
    except InvalidSignature as exc:
        logger.warning("webhook rejected", extra={"platform": platform, "reason": str(exc)})
        rejections.note(platform, call.now)
        raise BadSignature("The webhook signature or timestamp is not valid.") from None
    if len(webhook_id) > 256:
        raise ValidationFailed("webhook-id is too long", [{"field": "webhook-id", "message": "at most 256 characters"}])
    envelope = _decode(Envelope, body, "body")
    kind = DATA_TYPES.get(envelope.type)
    data: object = _decode(kind, msgspec.json.encode(envelope.data), "data") if kind else envelope.data
    return Intake(Delivery(platform, webhook_id, envelope.type), data)
