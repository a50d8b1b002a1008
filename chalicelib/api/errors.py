"""HTTP-level refusals, rendered like domain errors as RFC 9457 problem details."""

from __future__ import annotations

from chalicelib.domain.errors import DomainError


class Unauthorized(DomainError):
    code, status, title = "unauthorized", 401, "Authentication required"


class Forbidden(DomainError):
    code, status, title = "forbidden", 403, "Not allowed"


class ValidationFailed(DomainError):
    code, status, title = "validation_error", 400, "Invalid request"

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.errors = errors


class PayloadTooLarge(DomainError):
    code, status, title = "payload_too_large", 413, "Request body too large"


class UnsupportedMediaType(DomainError):
    code, status, title = "unsupported_media_type", 415, "Send application/json"
