"""One JSON request through chalice's in-process test client, shared by the tests and the bench."""

from __future__ import annotations

import json
from typing import Any


def request(
    client: Any,
    method: str,
    path: str,
    bearer: str | None = None,
    body: Any = None,
    key: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Any:
    """`bearer` is a signed token, `key` an Idempotency-Key; `raw` is sent as is instead of `body`."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if bearer is not None:
        sent["Authorization"] = f"Bearer {bearer}"
    if key is not None:
        sent["Idempotency-Key"] = key
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return client.http.request(method, path, headers=sent, body=data)
