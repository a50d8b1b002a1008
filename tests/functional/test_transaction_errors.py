"""chalicelib/persistence/transaction.py against the errors PynamoDB really raises.

Conditions fail on moto, which answers TransactWriteItems as DynamoDB does; contention, throttling
and transport failures are DynamoDB's wire responses, parsed by botocore's own parser and wrapped
by PynamoDB, injected with a `before-call` hook on the app's clients. Nothing here builds a
PynamoDB exception by hand, so a change in what PynamoDB sends or raises fails these tests.
"""

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.parsers import create_parser
from pynamodb.exceptions import TransactWriteError

from chalicelib.domain.errors import Unavailable
from chalicelib.persistence import conflicts, transaction
from chalicelib.persistence.connection import register_hook, unregister_hook
from chalicelib.persistence.models import IdempotencyModel, LedgerEntryModel, RewardModel
from chalicelib.persistence.transaction import Cancelled, Transaction
from chalicelib.settings import get_settings

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
BOTOCORE_ATTEMPTS = 1  # botocore makes one attempt per call (max_retry_attempts=0): every retry is ours to count
MODELS = {"reward": RewardModel, "guard": RewardModel, "idempotency": IdempotencyModel, "entry": LedgerEntryModel}
TABLE = {name: model.Meta.table_name for name, model in MODELS.items()}
# Added in this order on purpose: PynamoDB sends checks, deletes, puts, then updates.
KINDS = {"reward": "Update", "idempotency": "Put", "guard": "ConditionCheck", "entry": "Delete"}


def reward(reward_id: str, stock: int = 5, version: int = 1) -> RewardModel:
    return RewardModel(reward_id, name="Pin", cost=1, stock_remaining=stock, version=version, updated_at=NOW)


def record(status: int = 201) -> IdempotencyModel:
    expires = datetime(2033, 5, 18, tzinfo=UTC)
    return IdempotencyModel("key-1", fingerprint="fp", status=status, body="{}", expires_at=2_000_000_000, ttl=expires)


def entry() -> LedgerEntryModel:
    return LedgerEntryModel("fan-1", "000000000001", at=NOW, delta=5, balance_after=5, kind="checkin", ref="d")


@pytest.fixture
def stored(aws):
    """Every condition of `four_writes()` holds against these items."""
    reward("r").save()
    reward("g").save()
    entry().save()


def four_writes() -> Transaction:
    tx = Transaction()
    tx.update("reward", reward("r"), [RewardModel.stock_remaining.add(-1)], RewardModel.stock_remaining >= 1)
    tx.put("idempotency", record(), IdempotencyModel.key.does_not_exist())
    tx.check("guard", RewardModel, "g", RewardModel.version == 1)
    tx.delete("entry", entry(), LedgerEntryModel.kind == "checkin")
    return tx


class Recorder:
    """Records the TransactItems PynamoDB builds: (operation, table) in the order they are sent."""

    def __init__(self) -> None:
        self.sent: list[list[tuple[str, str]]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append([(op, body["TableName"]) for item in params["TransactItems"] for op, body in item.items()])


class WireError:
    """Answers the first `times` TransactWriteItems calls with DynamoDB's error body, parsed as botocore does."""

    def __init__(self, body: dict[str, Any] | Exception, times: int = 1_000) -> None:
        self.body, self.times, self.calls = body, times, 0

    def __call__(self, model: Any, **_: Any) -> Any:
        self.calls += 1
        if self.calls > self.times:
            return None
        if isinstance(self.body, Exception):
            raise self.body
        raw = {"status_code": 400, "headers": {}, "body": json.dumps(self.body).encode()}
        parser = create_parser("json")
        parsed = parser.parse(raw, model.output_shape)
        error_shape = model.service_model.shape_for_error_code(parsed["Error"]["Code"])
        if error_shape is not None:  # botocore adds the modelled fields (CancellationReasons) the same way
            parsed.update(parser.parse(raw, error_shape))
        return _Http(), parsed


class _Http:
    def __init__(self) -> None:
        self.status_code = 400
        self.headers: dict[str, str] = {}
        self.content = b""


def cancelled(*codes: str | None) -> dict[str, Any]:
    reasons = [{"Code": code or "None", **({"Message": code} if code else {})} for code in codes]
    return {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        "CancellationReasons": reasons,
    }


@pytest.fixture
def backoffs(monkeypatch):
    """The pauses transaction.with_retries takes between its attempts (not taken: tests stay fast)."""
    taken: list[float] = []
    monkeypatch.setattr(transaction.time, "sleep", taken.append)
    return taken


@pytest.fixture
def hooks():
    installed: list[tuple[str, Any]] = []

    def install(event: str, handler: Any) -> Any:
        register_hook(event, handler)
        installed.append((event, handler))
        return handler

    yield install
    for event, handler in installed:
        unregister_hook(event, handler)


def test_items_are_sent_in_the_order_sent_order_names_them(stored, hooks):
    recorder = hooks("provide-client-params.dynamodb.TransactWriteItems", Recorder())
    tx = four_writes()
    tx.commit()
    assert recorder.sent == [[(KINDS[name], TABLE[name]) for name in tx.sent_order]]
    assert RewardModel.get("r").stock_remaining == 4 and IdempotencyModel.get("key-1").status == 201


@pytest.mark.parametrize("name", sorted(KINDS))
def test_moto_cancellation_reasons_name_exactly_the_failed_item(stored, name):
    if name == "reward":
        reward("r", stock=0).save()
    elif name == "idempotency":
        record(status=409).save()
    elif name == "guard":
        reward("g", version=2).save()
    else:
        LedgerEntryModel("fan-1", "000000000001", at=NOW, delta=5, balance_after=5, kind="adjustment", ref="d").save()
    with pytest.raises(Cancelled) as caught:
        four_writes().commit()
    assert set(caught.value.reasons) == {name}
    assert caught.value.failed(name) and all(not caught.value.failed(other) for other in set(KINDS) - {name})
    assert isinstance(caught.value.__cause__, TransactWriteError)
    if name == "idempotency":  # put and update ask for the item that failed them (ALL_OLD)
        assert IdempotencyModel.from_raw_data(caught.value.old_item(name)).status == 409
    if name == "reward":
        assert RewardModel.from_raw_data(caught.value.old_item(name)).stock_remaining == 0
    assert RewardModel.get("r").stock_remaining == (0 if name == "reward" else 5)  # nothing else applied


def test_a_taken_key_wins_over_a_stale_reward_with_the_stored_record(stored):
    reward("r", stock=0).save()
    record(status=201).save()
    with pytest.raises(Cancelled) as caught:
        four_writes().commit()
    assert set(caught.value.reasons) == {"reward", "idempotency"}
    with pytest.raises(conflicts.KeyTaken) as taken:
        conflicts.raise_for(caught.value)
    assert taken.value.record.status == 201 and taken.value.record.key == "key-1"


@pytest.mark.parametrize(
    "error",
    [
        cancelled("TransactionConflict", None, None, None),
        cancelled(None, None, "ThrottlingError", None),
        {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"},
        {"__type": "com.amazon.coral.availability#ThrottlingException", "message": "Rate of requests exceeds limit"},
        {"__type": "com.amazonaws.dynamodb.v20120810#TransactionInProgressException", "Message": "in progress"},
        {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error"},
        ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ],
    ids=["conflict", "throttled item", "throttling", "coral throttling", "in progress", "internal", "timeout"],
)
def test_transient_failures_are_retried_until_the_write_lands(stored, hooks, backoffs, error):
    # More failures than botocore's own retries absorb, so transaction.with_retries must retry too.
    failing = hooks("before-call.dynamodb.TransactWriteItems", WireError(error, times=BOTOCORE_ATTEMPTS + 1))
    four_writes().commit()
    assert len(backoffs) >= 1 and failing.calls > failing.times
    assert RewardModel.get("r").stock_remaining == 4 and IdempotencyModel.get("key-1").status == 201


def test_persistent_contention_is_unavailable_and_writes_nothing(stored, hooks, backoffs):
    conflict = cancelled("TransactionConflict", None, None, None)
    failing = hooks("before-call.dynamodb.TransactWriteItems", WireError(conflict))
    with pytest.raises(Unavailable):
        four_writes().commit()
    assert failing.calls == get_settings().write_attempts and len(backoffs) == get_settings().write_attempts - 1
    assert RewardModel.get("r").stock_remaining == 5


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (cancelled("TransactionConflict", None, "ConditionalCheckFailed", None), Cancelled),
        (cancelled("ConditionalCheckFailed", None, None, None), Cancelled),
        ({"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": "bad"}, TransactWriteError),
    ],
    ids=["conflict and failed condition", "failed condition", "validation"],
)
def test_decided_failures_are_not_retried(stored, hooks, backoffs, error, raised):
    failing = hooks("before-call.dynamodb.TransactWriteItems", WireError(error))
    with pytest.raises(raised) as caught:
        four_writes().commit()
    assert failing.calls == 1 and backoffs == []
    if raised is Cancelled:
        codes = Counter(r.code for r in caught.value.reasons.values())
        assert codes["ConditionalCheckFailed"] == 1 and set(caught.value.reasons) <= set(KINDS)
