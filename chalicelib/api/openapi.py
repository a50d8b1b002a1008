"""The OpenAPI 3.1 document, generated from the route table and the msgspec schemas.

`make openapi` (tools/openapi.py) refreshes the checked-in copy; a test
fails when the copy, the live routes or the error catalogue drift apart.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from chalicelib.api import errors as http_errors  # noqa: F401  (registers the HTTP error classes)
from chalicelib.api import schemas
from chalicelib.api.routing import RouteSpec
from chalicelib.domain.errors import DomainError

_PARAM = re.compile(r"{([^}]+)}")
_REF = "#/components/schemas/{name}"


def error_catalogue() -> dict[str, tuple[int, str]]:
    """Every problem `code` the API can return, with its status and title."""
    found: dict[str, tuple[int, str]] = {"internal_error": (500, "Internal error")}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not DomainError:
            found[cls.code] = (cls.status, cls.title)
    return found


def _schema_for(kind: type | None, names: dict[type, str]) -> dict[str, Any]:
    if kind is None:
        return {"type": "object"}
    return {"$ref": _REF.format(name=names[kind])}


def _path_schema(spec: RouteSpec, name: str) -> dict[str, Any]:
    kind = spec.path_params.get(name)
    return msgspec.json.schema(kind) if kind is not None else {"type": "string"}


def _operation(name: str, spec: RouteSpec, names: dict[type, str], catalogue: dict[str, tuple[int, str]]) -> Any:
    parameters: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True, "schema": _path_schema(spec, p)} for p in _PARAM.findall(spec.path)
    ]
    parameters += [
        {"name": q.name, "in": "query", "required": q.required, "schema": q.schema, "description": q.description}
        for q in spec.query
    ]
    if spec.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$"},
                "description": "Printable ASCII. Same key and body replay the first response "
                "(Idempotent-Replayed: true); kept 24 h.",
            }
        )
    body = {"content": {"application/json": {"schema": _schema_for(spec.response, names)}}}
    responses: dict[str, Any] = {
        str(status): {"description": "Success", **body} for status in sorted({spec.status, *spec.extra_statuses})
    }
    problem = {"content": {"application/problem+json": {"schema": {"$ref": _REF.format(name="Problem")}}}}
    by_status: dict[int, list[str]] = {}
    path_ids = ("validation_error",) if _PARAM.search(spec.path) else ()  # every path id has documented limits
    for code in (
        *spec.errors,
        *path_ids,
        "internal_error",
        *(() if spec.auth == "public" else ("service_unavailable",)),
    ):
        by_status.setdefault(catalogue[code][0], []).append(code)
    for status, codes in sorted(by_status.items()):
        responses.setdefault(str(status), {"description": "Problem: " + ", ".join(sorted(set(codes))), **problem})
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": spec.summary,
        "tags": ["operators" if spec.auth == "admin" else "fans" if spec.auth == "fan" else "service"],
        "parameters": parameters,
        "responses": responses,
    }
    if spec.request is not None:
        operation["requestBody"] = {
            "required": spec.body_required,
            "content": {"application/json": {"schema": _schema_for(spec.request, names)}},
        }
    operation["security"] = [] if spec.auth == "public" else [{"bearerAuth": []}]
    return operation


def document(operations: list[tuple[str, RouteSpec]], version: str) -> dict[str, Any]:
    kinds = sorted(
        {k for _, s in operations for k in (s.request, s.response) if k is not None} | {schemas.Problem},
        key=lambda k: k.__name__,
    )
    _, components = msgspec.json.schema_components(kinds, ref_template=_REF)
    names = {k: k.__name__ for k in kinds}
    catalogue = error_catalogue()
    paths: dict[str, dict[str, Any]] = {}
    for name, spec in operations:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(name, spec, names, catalogue)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fan engagement API",
            "version": version,
            "description": "Check-ins, points, rewards and redemptions for fan communities. "
            "Errors are RFC 9457 problem details.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render(operations: list[tuple[str, RouteSpec]], version: str) -> str:
    return json.dumps(document(operations, version), indent=2, sort_keys=False) + "\n"

