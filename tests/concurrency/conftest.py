"""Concurrency tests on a serialised moto: one lock around moto's request processing.

moto's DynamoDB is not thread-safe (it oversells and loses writes under concurrent
transactions), so without the lock these tests would measure moto's races. With it, requests
interleave between DynamoDB calls exactly as they would against a real table, which proves our
conditions; it does not reproduce real DynamoDB's TransactionConflict (the fault tests inject that).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.models import DynamoDBBackend

from tools.moto_transactions import check_then_apply

_moto_lock = threading.Lock()


@pytest.fixture(autouse=True)
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with _moto_lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", locked)
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", check_then_apply)
    yield
