"""Declares each route once: Chalice wiring, auth, parsing and problem rendering, and its OpenAPI entry.

Every route goes through `Api.route`, so none can forget to authenticate, to cap the body size
or to render errors as problem details; the OpenAPI document is generated from the same list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

import msgspec
from chalice.app import Chalice, ChaliceAuthorizer, Request, Response

from chalicelib import clock
from chalicelib.api import problems
from chalicelib.api.auth import Principal
from chalicelib.api.errors import (
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.api.schemas import encoder
from chalicelib.domain import idempotency
from chalicelib.domain.errors import DomainError
from chalicelib.observability import logger
from chalicelib.persistence.transaction import request_budget
from chalicelib.services.idempotent import IdempotentRequest, Outcome
from chalicelib.settings import get_settings

Auth = Literal["public", "fan", "admin"]
S = TypeVar("S")
_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json\s*(;.*)?$", re.IGNORECASE)
_LOCATION = re.compile(r"`\$\.?([^`]*)`")
MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a body may have. No request needs more than a few levels; msgspec
raises RecursionError by 1,000 levels (and `json.dumps`, used for fingerprints, recurses too)."""
_JSON_STRUCTURE = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


_JSON = msgspec.json.Decoder(float_hook=_number)


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    summary: str
    auth: Auth
    status: int
    response: type | None
    request: type | None = None
    body_required: bool = True
    errors: tuple[str, ...] = ()
    idempotent: bool = False
    query: tuple[QueryParam, ...] = ()
    extra_statuses: tuple[int, ...] = field(default=())
    path_params: Mapping[str, Any] = field(default_factory=dict)
    """Each path parameter's documented type (an Annotated str with its limits, from schemas); else any string."""


class Call:
    """One HTTP call as a handler sees it: who, what, and when."""

    def __init__(
        self, request: Request, spec: RouteSpec, principal: Principal | None, params: dict[str, str] | None = None
    ) -> None:
        self.request = request
        self.spec = spec
        self._principal = principal
        self.params = params or {}
        self.now: datetime = clock.now()

    @property
    def principal(self) -> Principal:
        assert self._principal is not None, "public routes have no principal"
        return self._principal

    def body(self, kind: type[S]) -> S:
        """Decode and validate the JSON body; every refusal names the offending field.

        A whole number written as a float (`1.0`) is that integer, as JSON Schema's `integer` says;
        `1.5` for an integer field is refused.
        """
        raw = self.request.raw_body or b""
        try:
            return msgspec.convert(_JSON.decode(raw or b"{}"), type=kind)
        except msgspec.ValidationError as exc:
            message = str(exc)
            where = _LOCATION.search(message)
            field_name = where.group(1) if where else ""
            text = _LOCATION.sub("", message).replace(" - at ", "").strip(" -")
            raise ValidationFailed(
                f"The request body is invalid: {message}", [{"field": field_name or "body", "message": text}]
            ) from None
        except msgspec.DecodeError as exc:
            raise ValidationFailed(
                "The request body is not valid JSON.", [{"field": "body", "message": str(exc)}]
            ) from None

    def raw_json(self) -> Any:
        """The body as plain JSON, for routes that take none but fingerprint what was sent."""
        try:
            return msgspec.json.decode(self.request.raw_body or b"{}")
        except msgspec.DecodeError as exc:
            raise ValidationFailed(
                "The request body is not valid JSON.", [{"field": "body", "message": str(exc)}]
            ) from None

    def query(self, name: str) -> str | None:
        params = self.request.query_params
        value = params.get(name) if params is not None else None
        return str(value) if value is not None else None

    def idempotency(self, body: msgspec.Struct | None = None) -> IdempotentRequest:
        """The caller's key and a fingerprint of the request as understood (defaults applied), not as spelled."""
        key = header(self.request, "idempotency-key")
        if key is None:
            raise ValidationFailed(
                "This operation requires an Idempotency-Key header.",
                [{"field": "Idempotency-Key", "message": "required"}],
            )
        if not idempotency.is_valid_key(key):
            raise ValidationFailed(
                "The Idempotency-Key header is invalid.",
                [{"field": "Idempotency-Key", "message": "1-255 printable ASCII characters"}],
            )
        understood = msgspec.to_builtins(body) if body is not None else self.raw_json()
        target = [self.spec.path, sorted(self.params.items())]  # Chalice's request.path is the route template
        return IdempotentRequest.of(
            self.principal.subject, key, self.spec.method, target, understood, problems.rendered
        )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=encoder.encode(body).decode(),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def outcome_response(outcome: Outcome) -> Response:
    content_type = problems.PROBLEM_JSON if outcome.status >= 400 else "application/json"
    headers: dict[str, str | list[str]] = {"Content-Type": content_type}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body=outcome.body, status_code=outcome.status, headers=headers)


def render(status: int, present: Callable[[Any], Any]) -> Callable[[Any], tuple[int, str]]:
    """The (status, JSON) an idempotent use case stores with its effect."""
    return lambda result: (status, encoder.encode(present(result)).decode())


def principal_of(request: Request) -> Principal:
    """The authorizer's verdict, carried in the request context by API Gateway."""
    context: dict[str, object] = (request.context or {}).get("authorizer") or {}
    subject = context.get("sub")
    if not subject or context.get("auth_error"):
        raise Unauthorized("A valid bearer token is required.")
    return Principal(str(subject), str(context.get("admin")).lower() == "true")


class Api:
    def __init__(self, app: Chalice, authorizer: ChaliceAuthorizer) -> None:
        self.app = app
        self.authorizer = authorizer
        self.operations: list[tuple[str, RouteSpec]] = []

    def route(self, spec: RouteSpec) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
        def register(handler: Callable[..., Response]) -> Callable[..., Response]:
            self.operations.append((handler.__name__, spec))

            def view(**params: str) -> Response:
                return self._dispatch(spec, handler, params)

            view.__name__ = handler.__name__
            view.__doc__ = handler.__doc__
            self.app.route(
                spec.path,
                methods=[spec.method],
                authorizer=None if spec.auth == "public" else self.authorizer,
                content_types=["*/*"],
            )(view)
            return handler

        return register

    def _dispatch(self, spec: RouteSpec, handler: Callable[..., Response], params: dict[str, str]) -> Response:
        request = self.app.current_request
        assert request is not None
        try:
            principal = None if spec.auth == "public" else principal_of(request)
            if spec.auth == "admin" and principal is not None and not principal.is_admin:
                raise Forbidden("This operation is for operators.")
            _check_body(request)
            settings = get_settings()
            with request_budget(settings.request_attempts, settings.request_seconds):
                return handler(Call(request, spec, principal, params), **params)
        except DomainError as error:
            if error.status >= 500:
                logger.warning("request refused", extra={"code": error.code, "status": error.status})
            else:
                logger.info("request refused", extra={"code": error.code, "status": error.status})
            return problems.from_error(error)
        except Exception:
            logger.exception("unhandled error")
            return problems.internal_error()


def header(request: Request, name: str) -> str | None:
    """A request header by lower-case name (Chalice's header mapping is case-insensitive)."""
    value = request.headers.get(name) if request.headers is not None else None
    return str(value) if value is not None else None


def _check_body(request: Request) -> None:
    """Media type, nesting depth and size of every route's body (webhooks included), before anything decodes it.

    Depth is judged on the first `max_body_bytes` (bounded work, and enough to see it), so a body nested
    thousands deep is a 400 naming `body` even where it is also too large.
    """
    sent = request.raw_body or b""
    raw = sent.encode() if isinstance(sent, str) else sent
    content_type = header(request, "content-type")
    if raw and content_type and not _JSON_TYPE.match(content_type):
        raise UnsupportedMediaType(f"Content-Type {content_type} is not JSON.")
    limit = get_settings().max_body_bytes
    if _nesting_exceeds(raw[:limit], MAX_JSON_DEPTH):
        raise ValidationFailed(
            f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep.",
            [{"field": "body", "message": f"at most {MAX_JSON_DEPTH} levels of nesting"}],
        )
    if len(raw) > limit:
        raise PayloadTooLarge(f"The body may be at most {limit} bytes.")


def _nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether `raw`, read as JSON, opens more than `limit` arrays or objects at once: one linear scan, no decode.

    Brackets inside strings do not count (escapes are skipped as pairs). Where `raw` stops being JSON
    a decoder stops too, so the scan never reports less depth than a decoder would reach.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth, in_string = 0, False
    for token in _JSON_STRUCTURE.finditer(raw):
        char = token.group()
        if char == b'"':
            in_string = not in_string
        elif in_string or len(char) > 1:
            continue
        elif char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(depth - 1, 0)
    return False
