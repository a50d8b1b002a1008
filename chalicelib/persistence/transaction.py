"""One DynamoDB transaction with retries for contention and throttling, never a partial effect.

Cancellation reasons come back in the order PynamoDB sends items (condition checks, deletes,
puts, updates), not the order they were added; `Transaction` maps them back to our own names.

Retries have one budget (docs/architecture.md, "Retries and faults"): botocore makes a single
attempt per call, `with_retries` retries transient failures, and inside `request_budget` every
attempt of every call a request makes (the use cases' re-reads and re-decisions included) draws
on one allowance of attempts and one deadline. When either runs out the request answers 503.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import CancellationReason, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Unavailable
from chalicelib.observability import logger
from chalicelib.persistence.connection import transaction_connection
from chalicelib.settings import get_settings

RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
RETRYABLE_ERRORS = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
T = TypeVar("T")


class Cancelled(Exception):
    """A condition failed; `reasons` holds the failed items by name with their current values."""

    def __init__(self, reasons: dict[str, CancellationReason]) -> None:
        super().__init__(", ".join(f"{name}: {r.code}" for name, r in reasons.items()))
        self.reasons = reasons

    def failed(self, name: str) -> bool:
        reason = self.reasons.get(name)
        return reason is not None and reason.code == "ConditionalCheckFailed"

    def old_item(self, name: str) -> dict[str, Any] | None:
        reason = self.reasons.get(name)
        return reason.raw_item if reason is not None else None


@dataclass
class _Op:
    name: str
    apply: Callable[[TransactWrite], None]


class Transaction:
    """Collects named writes, then commits them atomically."""

    def __init__(self) -> None:
        self._checks: list[_Op] = []
        self._deletes: list[_Op] = []
        self._puts: list[_Op] = []
        self._updates: list[_Op] = []

    def put(self, name: str, item: Model, condition: Condition | None = None) -> None:
        self._puts.append(_Op(name, lambda tx: tx.save(item, condition=condition, return_values="ALL_OLD")))

    def update(self, name: str, item: Model, actions: Sequence[Action], condition: Condition | None = None) -> None:
        self._updates.append(
            _Op(name, lambda tx: tx.update(item, list(actions), condition=condition, return_values="ALL_OLD"))
        )

    def delete(self, name: str, item: Model, condition: Condition | None = None) -> None:
        self._deletes.append(_Op(name, lambda tx: tx.delete(item, condition=condition)))

    def check(self, name: str, model: type[Model], key: str, condition: Condition) -> None:
        self._checks.append(_Op(name, lambda tx: tx.condition_check(model, key, condition=condition)))

    @property
    def sent_order(self) -> list[str]:
        return [op.name for op in (*self._checks, *self._deletes, *self._puts, *self._updates)]

    def commit(self) -> None:
        """Commit, retrying contention and throttling with jittered backoff; raise Cancelled or Unavailable."""
        token = str(uuid.uuid4())
        with cancellation_names(self):
            with_retries(lambda: self._commit_once(token))

    def _commit_once(self, token: str) -> None:
        with TransactWrite(connection=transaction_connection(), client_request_token=token) as tx:
            for op in (*self._checks, *self._deletes, *self._puts, *self._updates):
                op.apply(tx)


def _code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code; None for transport errors, whose `response` PynamoDB cannot read."""
    response = getattr(error.cause, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def _is_retryable(error: PynamoDBException) -> bool:
    if isinstance(error.cause, BotoCoreError):
        return True  # timeouts and dropped connections: conditions and request tokens make a retry safe
    if isinstance(error, TransactWriteError) and _code(error) == "TransactionCanceledException":
        codes = {r.code for r in error.cancellation_reasons if r is not None}
        return bool(codes & RETRYABLE_REASONS) and "ConditionalCheckFailed" not in codes
    return _code(error) in RETRYABLE_ERRORS


@dataclass
class _Budget:
    attempts: int
    deadline: float


_budget: ContextVar[_Budget | None] = ContextVar("dynamodb_budget", default=None)


@contextmanager
def request_budget(attempts: int, seconds: float) -> Iterator[None]:
    """Bound every DynamoDB attempt made inside (by any call or retry loop) by a count and a deadline."""
    token = _budget.set(_Budget(attempts, time.monotonic() + seconds))
    try:
        yield
    finally:
        _budget.reset(token)


@contextmanager
def outside_request_budget() -> Iterator[None]:
    """For work a request starts but does not own (a job run worked in-process): each call has its own attempts."""
    token = _budget.set(None)
    try:
        yield
    finally:
        _budget.reset(token)


def _may_attempt() -> bool:
    budget = _budget.get()
    if budget is None:
        return True
    if budget.attempts <= 0 or time.monotonic() >= budget.deadline:
        return False
    budget.attempts -= 1
    return True


def _pause(attempt: int) -> None:
    """Full-jitter backoff, never sleeping past the request's deadline."""
    delay = random.uniform(0, min(0.4, 0.01 * 2**attempt))
    budget = _budget.get()
    if budget is not None:
        delay = min(delay, max(0.0, budget.deadline - time.monotonic()))
    time.sleep(delay)


def with_retries(operation: Callable[[], T]) -> T:
    """Run a DynamoDB operation; transient failures are retried, then reported as Unavailable.

    At most WRITE_ATTEMPTS attempts per call, and inside a request no more than its budget allows.
    """
    attempts = get_settings().write_attempts
    for attempt in range(attempts):
        if not _may_attempt():
            break
        try:
            return operation()
        except PynamoDBException as error:
            if not _is_retryable(error):
                raise
            logger.warning(
                "dynamodb transient failure",
                extra={"code": _code(error) or type(error.cause).__name__, "attempt": attempt + 1},
            )
            if attempt + 1 < attempts:
                _pause(attempt)
    raise Unavailable("The service is busy; retry shortly.")


@contextmanager
def cancellation_names(tx: Transaction) -> Iterator[None]:
    """Translate a cancelled transaction into `Cancelled` keyed by our item names."""
    try:
        yield
    except TransactWriteError as error:
        if _code(error) != "TransactionCanceledException":
            raise
        reasons = {
            name: reason
            for name, reason in zip(tx.sent_order, error.cancellation_reasons, strict=False)
            if reason is not None and reason.code != "None"
        }
        raise Cancelled(reasons) from error
