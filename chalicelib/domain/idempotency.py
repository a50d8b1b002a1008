"""Stripe-style idempotency: the same key and request replay the first response; another request is refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import IdempotencyKeyReused

MAX_KEY_LENGTH = 255


def is_valid_key(key: str) -> bool:
    """1-255 printable ASCII characters, as the contract says."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def fingerprint(method: str, path: object, body: object) -> str:
    """A hash of what the request asks for (its target with every path parameter, and its body as understood).

    Key order and whitespace in the JSON do not matter.
    """
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def scoped_key(caller: str, key: str) -> str:
    """Keys are scoped per caller: two fans may use the same key independently."""
    return f"{caller}\n{key}"


@dataclass(frozen=True)
class IdempotencyRecord:
    """Written in the same transaction as the effect, so a key exists only if the effect happened."""

    key: str
    fingerprint: str
    status: int
    body: str
    expires_at: datetime

    @classmethod
    def for_response(
        cls, key: str, fp: str, status: int, body: str, now: datetime, ttl_hours: int
    ) -> IdempotencyRecord:
        return cls(key, fp, status, body, now + timedelta(hours=ttl_hours))

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at

    def replay_for(self, fp: str) -> IdempotencyRecord:
        """This record as the answer to a retry; a different request under the same key is refused."""
        if fp != self.fingerprint:
            raise IdempotencyKeyReused("This Idempotency-Key was used with a different request; use a new key.")
        return self
