"""Conflicts we cannot decode are not swallowed, and errors render as RFC 9457.

How PynamoDB's real cancellations and errors map to our names and retries is tested against what
PynamoDB raises, in tests/functional/test_transaction_errors.py.
"""

import json

import pytest
from pynamodb.exceptions import CancellationReason

from chalicelib.api import problems
from chalicelib.api.errors import ValidationFailed
from chalicelib.domain import errors
from chalicelib.persistence import conflicts
from chalicelib.persistence.transaction import Cancelled


def test_unknown_failure_is_not_swallowed():
    with pytest.raises(Cancelled):
        conflicts.raise_for(Cancelled({"ledger": CancellationReason(code="ConditionalCheckFailed")}))


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
