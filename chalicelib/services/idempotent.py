"""Idempotent operations (Stripe semantics): the scoped key, and the answer stored with the effect.

The record is written in the effect's own transaction, so the first attempt costs no extra
request and a replay is answered from the item the cancelled condition returns. A refusal (a
404 or 409) is a result like any other: it is kept under the key too, so a retry is answered
with it instead of being tried again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from chalicelib.domain import idempotency
from chalicelib.domain.errors import DomainError, IdempotencyKeyReused
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import KeyTaken
from chalicelib.settings import get_settings

T = TypeVar("T")
Render = Callable[[T], tuple[int, str]]


@dataclass(frozen=True)
class IdempotentRequest:
    """`refusal` renders a refused request as the (status, body) the API answers, to keep under the key."""

    key: str
    fingerprint: str
    refusal: Render[DomainError]

    @classmethod
    def of(
        cls, caller: str, key: str, method: str, path: object, body: object, refusal: Render[DomainError]
    ) -> IdempotentRequest:
        return cls(idempotency.scoped_key(caller, key), idempotency.fingerprint(method, path, body), refusal)

    def record(self, status: int, body: str, now: datetime) -> IdempotencyRecord:
        return IdempotencyRecord.for_response(
            self.key, self.fingerprint, status, body, now, get_settings().idempotency_ttl_hours
        )


@dataclass(frozen=True)
class Outcome:
    """An HTTP-ready result: what was done (or refused) now, or the stored answer to an earlier attempt."""

    status: int
    body: str
    replayed: bool = False
    refused: str | None = None

    @classmethod
    def replay(cls, record: IdempotencyRecord, request: IdempotentRequest) -> Outcome:
        answer = record.replay_for(request.fingerprint)
        return cls(answer.status, answer.body, replayed=True)


def live(record: IdempotencyRecord | None, now: datetime) -> IdempotencyRecord | None:
    return record if record is not None and record.is_live(now) else None


def _kept(error: DomainError) -> bool:
    """Refusals that are answers to the request (not found, conflicts), not failures to process it."""
    return 400 < error.status < 500 and not isinstance(error, IdempotencyKeyReused)


def run(request: IdempotentRequest, now: datetime, operation: Callable[[], Outcome], *, look_first: bool) -> Outcome:
    """Answer a replay from its record; otherwise run the operation and keep its refusal under the key.

    `look_first`: read the record before running (for operations that would read anyway);
    otherwise a replay is found by the operation's own write failing on the key.
    """
    try:
        if look_first:
            record = live(reads.idempotency_record(request.key), now)
            if record is not None:
                return Outcome.replay(record, request)
        return operation()
    except KeyTaken as taken:
        return Outcome.replay(taken.record, request)
    except DomainError as refused:
        if not _kept(refused):
            raise
        status, body = request.refusal(refused)
        try:
            writes.keep_answer(request.record(status, body, now), now)
        except KeyTaken as taken:
            return Outcome.replay(taken.record, request)
        return Outcome(status, body, refused=refused.code)
