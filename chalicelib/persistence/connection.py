"""The shared PynamoDB connection for transactions, and hooks on every DynamoDB client we use.

Hooks are botocore events (`before-call.dynamodb.*`): benchmarks count requests with them and
tests inject faults with them, on exactly the clients the app uses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection

from chalicelib.persistence.models import ALL_MODELS, SHARED_TABLE_MODELS
from chalicelib.settings import get_settings


@lru_cache(maxsize=1)
def transaction_connection() -> Connection:
    return Connection(
        region=get_settings().region, max_retry_attempts=0, connect_timeout_seconds=1, read_timeout_seconds=3
    )


def _clients() -> list[Any]:
    clients = [transaction_connection().client]
    clients.extend(model._get_connection().connection.client for model in (*ALL_MODELS, *SHARED_TABLE_MODELS))
    return clients


def register_hook(event_name: str, handler: Callable[..., Any]) -> None:
    for client in _clients():
        client.meta.events.register(event_name, handler)


def unregister_hook(event_name: str, handler: Callable[..., Any]) -> None:
    for client in _clients():
        client.meta.events.unregister(event_name, handler)
