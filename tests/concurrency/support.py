"""Helpers shared by the concurrency tests: a gate releasing calls at once, injected faults, a retrying client."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run_concurrently(calls: list[Callable[[], Any]], workers: int | None = None) -> list[Any]:
    """All calls released at once by a gate, on one thread each or on `workers` threads; results in call order."""
    gate = threading.Event()

    def start(call: Callable[[], Any]) -> Any:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=workers or len(calls)) as pool:
        futures = [pool.submit(start, call) for call in calls]
        gate.set()
        return [future.result() for future in futures]


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


class Faults:
    """Fails a fraction of DynamoDB calls before they reach the table, so a failed call has no effect."""

    def __init__(self, rate: float, seed: int = 7, only: str | None = None) -> None:
        self.rate, self.only, self.random = rate, only, random.Random(seed)
        self.injected: Counter[str] = Counter()

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        operation = model.name
        if (self.only and operation != self.only) or self.random.random() >= self.rate:
            return None
        if operation == "TransactWriteItems" and self.random.random() < 0.7:
            items = json.loads(params["body"])["TransactItems"]
            reasons = [{"Code": "None"} for _ in items]
            reasons[self.random.randrange(len(items))] = {"Code": "TransactionConflict", "Message": "conflict"}
            self.injected["TransactionConflict"] += 1
            return _Http(400), {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": reasons,
            }
        self.injected["Throttling"] += 1
        return _Http(400), {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}


def with_retries(call: Callable[[], Any], attempts: int = 20) -> Any:
    """A well-behaved client: retry 503s (honouring Retry-After) with the same idempotency key."""
    for _ in range(attempts):
        response = call()
        if response.status_code != 503:
            return response
        assert response.headers["Retry-After"] == "1"
    return response
