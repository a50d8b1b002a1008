"""Cancellation reasons map back to our item names by PynamoDB's sent order, and errors render as RFC 9457."""

import json
from datetime import datetime, timezone

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib.api import problems
from chalicelib.api.errors import ValidationFailed
from chalicelib.domain import errors
from chalicelib.persistence import conflicts
from chalicelib.persistence.models import FanModel, IdempotencyModel, RewardModel
from chalicelib.persistence.transaction import Cancelled, Transaction, _is_retryable, cancellation_names


def _cancelled(*codes):
    reasons = [CancellationReason(code=c) if c else None for c in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("cancelled", cause=cause)


def _transaction():
    tx = Transaction()
    tx.update("reward", RewardModel("r"), [RewardModel.stock_remaining.add(-1)])
    tx.put("fan", FanModel("f"))
    tx.check("guard", FanModel, "f", FanModel.version == 1)
    tx.put("idempotency", IdempotencyModel("k"))
    return tx


def test_sent_order_is_checks_then_puts_then_updates():
    assert _transaction().sent_order == ["guard", "fan", "idempotency", "reward"]


def test_reasons_are_named_by_sent_order():
    tx = _transaction()
    with pytest.raises(Cancelled) as caught, cancellation_names(tx):
        raise _cancelled(None, None, None, "ConditionalCheckFailed")
    assert caught.value.failed("reward") and not caught.value.failed("fan")


def test_taken_key_wins_over_stale_fan():
    record = IdempotencyModel(
        "k",
        fingerprint="fp",
        status=201,
        body="{}",
        expires_at=2_000_000_000,
        ttl=datetime(2033, 5, 18, tzinfo=timezone.utc),
    )
    fan_failed = CancellationReason(code="ConditionalCheckFailed", raw_item=None)
    key_failed = CancellationReason(code="ConditionalCheckFailed", raw_item=record.serialize())
    with pytest.raises(conflicts.KeyTaken) as caught:
        conflicts.raise_for(Cancelled({"fan": fan_failed, "idempotency": key_failed}))
    assert caught.value.record.status == 201


def test_unknown_failure_is_not_swallowed():
    with pytest.raises(Cancelled):
        conflicts.raise_for(Cancelled({"ledger": CancellationReason(code="ConditionalCheckFailed")}))


@pytest.mark.parametrize(
    ("codes", "retry"),
    [
        (("TransactionConflict", None), True),
        (("ThrottlingError",), True),
        (("TransactionConflict", "ConditionalCheckFailed"), False),
        (("ConditionalCheckFailed",), False),
    ],
)
def test_retryable_cancellations(codes, retry):
    assert _is_retryable(_cancelled(*codes)) is retry


def test_problem_details_shape():
    response = problems.from_error(errors.InsufficientPoints("need 5", balance=1, required=5))
    body = json.loads(response.body)
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body == {
        "type": problems.PROBLEM_TYPE_BASE + "insufficient_points",
        "title": "Not enough points",
        "status": 409,
        "detail": "need 5",
        "code": "insufficient_points",
        "balance": 1,
        "required": 5,
    }


def test_validation_problem_names_fields_and_unavailable_says_when_to_retry():
    body = json.loads(problems.from_error(ValidationFailed("bad", [{"field": "quantity", "message": "x"}])).body)
    assert body["status"] == 400 and body["errors"] == [{"field": "quantity", "message": "x"}]
    unavailable = problems.from_error(errors.Unavailable("busy"))
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "1"
