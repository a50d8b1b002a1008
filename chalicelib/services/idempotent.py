"""Plumbing shared by idempotent use cases: the scoped key, and the response stored with the effect.

The record is written in the effect's own transaction, so the first attempt costs no extra
request and a replay is answered from the item the cancelled condition returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from chalicelib.domain import idempotency
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.settings import get_settings

T = TypeVar("T")
Render = Callable[[T], tuple[int, str]]


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str

    @classmethod
    def of(cls, caller: str, key: str, method: str, path: str, body: object) -> IdempotentRequest:
        return cls(idempotency.scoped_key(caller, key), idempotency.fingerprint(method, path, body))

    def record(self, status: int, body: str, now: datetime) -> IdempotencyRecord:
        return IdempotencyRecord.for_response(
            self.key, self.fingerprint, status, body, now, get_settings().idempotency_ttl_hours
        )


@dataclass(frozen=True)
class Outcome:
    """An HTTP-ready result: what was done now, or the stored answer to an earlier attempt."""

    status: int
    body: str
    replayed: bool = False

    @classmethod
    def replay(cls, record: IdempotencyRecord, request: IdempotentRequest) -> Outcome:
        answer = record.replay_for(request.fingerprint)
        return cls(answer.status, answer.body, replayed=True)


def live(record: IdempotencyRecord | None, now: datetime) -> IdempotencyRecord | None:
    return record if record is not None and record.is_live(now) else None
