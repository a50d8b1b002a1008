"""Concurrency tests on a serialised moto: one lock around moto's request processing.

moto's DynamoDB is not thread-safe (it oversells and loses writes under concurrent
transactions), so without the lock these tests would measure moto's races. With it, requests
interleave between DynamoDB calls exactly as they would against a real table, which proves our
conditions; it does not reproduce real DynamoDB's TransactionConflict (the fault tests inject that).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from moto.core.botocore_stubber import BotocoreStubber

_moto_lock = threading.Lock()


@pytest.fixture(autouse=True)
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with _moto_lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", locked)
    yield


def run_concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """One thread per call, all released at once by a gate; results in call order."""
    gate = threading.Event()

    def start(call: Callable[[], Any]) -> Any:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(start, call) for call in calls]
        gate.set()
        return [future.result() for future in futures]
