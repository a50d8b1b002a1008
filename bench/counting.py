"""Counting the DynamoDB requests the app sends, with botocore `before-call` hooks on its own clients.

Import after the environment is configured (the benchmark) or from tests (conftest sets it up).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

EVENT = "before-call.dynamodb.*"


@dataclass(frozen=True)
class Request:
    """One API call as sent: the operation name and its serialised JSON body."""

    operation: str
    body: bytes


class RequestLog:
    """A botocore handler that records every DynamoDB call made while it is registered."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        body = params.get("body", b"")
        self.requests.append(Request(model.name, body.encode() if isinstance(body, str) else bytes(body)))

    def __len__(self) -> int:
        return len(self.requests)

    @property
    def operations(self) -> list[str]:
        return [r.operation for r in self.requests]

    def describe(self) -> str:
        return ", ".join(self.operations) or "(none)"

    def clear(self) -> None:
        self.requests.clear()


@contextmanager
def recording() -> Iterator[RequestLog]:
    """Record every DynamoDB request the app makes inside the block."""
    from chalicelib.persistence.connection import register_hook, unregister_hook

    log = RequestLog()
    register_hook(EVENT, log)
    try:
        yield log
    finally:
        unregister_hook(EVENT, log)



class Tally:
    """Counts per operation and whether the call touched a table whose name holds `marker`; keeps no bodies,
    so counting a run of 100,000 fans does not itself grow the process being measured."""

    def __init__(self, marker: bytes) -> None:
        self.marker = marker
        self.counts: dict[tuple[str, bool], int] = {}

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        body = params.get("body", b"")
        marked = self.marker in (body.encode() if isinstance(body, str) else bytes(body))
        key = (model.name, marked)
        self.counts[key] = self.counts.get(key, 0) + 1

    def total(self) -> int:
        return sum(self.counts.values())


@contextmanager
def tallying(marker: bytes) -> Iterator[Tally]:
    from chalicelib.persistence.connection import register_hook, unregister_hook

    tally = Tally(marker)
    register_hook(EVENT, tally)
    try:
        yield tally
    finally:
        unregister_hook(EVENT, tally)
