"""RFC 9457 problem details: one renderer for every refusal the API makes."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib.api.errors import ValidationFailed
from chalicelib.domain.errors import DomainError, Unavailable

PROBLEM_TYPE_BASE = "https://docs.fan-engagement.dev/problems/"
PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, code: str, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    body = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "detail": detail, "code": code, **extra}
    return Response(
        body=json.dumps(body, default=str),
        status_code=status,
        headers={"Content-Type": PROBLEM_JSON, **(headers or {})},
    )


def rendered(error: DomainError) -> tuple[int, str]:
    """A refusal's status and problem body, as kept under an idempotency key and replayed."""
    response = from_error(error)
    return response.status_code, str(response.body)


def from_error(error: DomainError) -> Response:
    extra: dict[str, Any] = dict(error.extra)
    headers: dict[str, str] = {}
    if isinstance(error, ValidationFailed):
        extra["errors"] = error.errors
    if isinstance(error, Unavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return problem(error.status, error.code, error.title, error.detail, headers, **extra)


def internal_error() -> Response:
    return problem(500, "internal_error", "Internal error", "Something went wrong on our side; it has been logged.")
