"""X-Ray subsegments for each invocation and each AWS SDK call, sent to the X-Ray daemon over UDP.

This replaces the X-Ray SDK (through the Powertools tracer), whose import and patching cost
260-310 ms of every cold start (docs/benchmarks.md). With active tracing, Lambda itself records the
function's segment; what the SDK added, and this module adds with the standard library only, is:

* a `## handler` subsegment per sampled invocation, annotated `ColdStart` and `Service` as the
  Powertools tracer annotates it, flagged `fault` when the handler raises or answers 5xx;
* one subsegment per botocore API call (namespace `aws`, operation, region, table names, request
  id, retries, HTTP status, and `error`/`throttle`/`fault` with the error code), timed from
  parameter building to the parsed response, as the SDK's patch of `BaseClient._make_api_call`
  times it.

The protocol (AWS X-Ray developer guide, "Sending segment documents to the X-Ray daemon"): each
document is one UDP datagram, a JSON header line `{"format": "json", "version": 1}` followed by
the document, sent to `AWS_XRAY_DAEMON_ADDRESS`. A subsegment sent on its own carries
`"type": "subsegment"`, its `trace_id` and its `parent_id`. Lambda passes the trace id, the id of
the function's segment and the sampling decision per invocation in `_X_AMZN_TRACE_ID`.

The SDK-call hooks reach every botocore session created after `install()` through
`botocore.handlers.BUILTIN_HANDLERS` (as moto does), so no client is created to register them;
PynamoDB creates its sessions and clients at first use.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

HEADER = b'{"format": "json", "version": 1}\n'
DEFAULT_DAEMON = ("127.0.0.1", 2000)
TRACE_HEADER = "_X_AMZN_TRACE_ID"
DAEMON_ADDRESS = "AWS_XRAY_DAEMON_ADDRESS"
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "Throttling"}
)
_CALL = "fan_engagement_xray"  # key of a call's open subsegment in botocore's per-request context

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Parent:
    """Where new subsegments attach: a trace and the id of the (sub)segment that contains them."""

    trace_id: str
    parent_id: str


def sampled_parent(header: str | None) -> Parent | None:
    """The function segment from `_X_AMZN_TRACE_ID` (`Root=...;Parent=...;Sampled=1`), or None if not sampled."""
    if not header:
        return None
    fields = dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part)
    if fields.get("Sampled") != "1" or not fields.get("Root") or not fields.get("Parent"):
        return None
    return Parent(fields["Root"], fields["Parent"])


def daemon_address(value: str | None) -> tuple[str, int]:
    """`AWS_XRAY_DAEMON_ADDRESS` is `host:port` or `tcp:host:port udp:host:port`; documents go over UDP."""
    for part in (value or "").split():
        if part.startswith("tcp:"):
            continue
        host, _, port = part.removeprefix("udp:").rpartition(":")
        if host and port.isdigit():
            return host, int(port)
    return DEFAULT_DAEMON


class Emitter:
    """Sends documents as UDP datagrams; tracing never fails or delays a request beyond one `sendto`."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self._socket: socket.socket | None = None

    def send(self, document: dict[str, Any]) -> None:
        if self._socket is None:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._socket.setblocking(False)
        payload = HEADER + json.dumps(document, separators=(",", ":"), default=str).encode()
        try:
            self._socket.sendto(payload, self.address)
        except OSError:
            return


@dataclass
class Subsegment:
    name: str
    parent: Parent
    start_time: float
    id: str

    @classmethod
    def open(cls, name: str, parent: Parent) -> Subsegment:
        return cls(name, parent, time.time(), secrets.token_hex(8))

    def as_child(self) -> Parent:
        return Parent(self.parent.trace_id, self.id)

    def document(self, **fields: Any) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "start_time": self.start_time,
            "end_time": time.time(),
            "type": "subsegment",
            "trace_id": self.parent.trace_id,
            "parent_id": self.parent.parent_id,
            **fields,
        }


def status_flags(status: int, code: str | None = None) -> dict[str, Any]:
    """X-Ray's flags for an HTTP status: `error` for 4xx (and `throttle` for throttling), `fault` for 5xx."""
    flags: dict[str, Any] = {"http": {"response": {"status": status}}}
    if status == 429 or code in THROTTLING_CODES:
        flags.update(error=True, throttle=True)
    elif 400 <= status < 500:
        flags["error"] = True
    elif status >= 500:
        flags["fault"] = True
    if code and status >= 400:
        flags["cause"] = {"exceptions": [{"id": secrets.token_hex(8), "type": code, "remote": True}]}
    return flags


def table_names(params: dict[str, Any]) -> list[str]:
    """The tables a DynamoDB request names: `TableName`, or those of a transaction's items."""
    if isinstance(params.get("TableName"), str):
        return [params["TableName"]]
    names = {
        action["TableName"]
        for item in params.get("TransactItems", [])
        for action in item.values()
        if isinstance(action, dict) and "TableName" in action
    }
    return sorted(names | set(params.get("RequestItems", {})))


class Tracer:
    """Traces invocations (as a Lambda handler decorator) and the AWS SDK calls made during them."""

    def __init__(self, service: str, emitter: Emitter) -> None:
        self.service = service
        self.emitter = emitter
        self._cold_start = True
        self._current: ContextVar[Parent | None] = ContextVar("xray_parent", default=None)

    def hooks(self) -> list[tuple[str, Callable[..., None]]]:
        """botocore event handlers: every service and operation (the event names are prefixes)."""
        return [
            ("before-parameter-build", self.call_started),
            ("after-call", self.call_finished),
            ("after-call-error", self.call_failed),
        ]

    def capture_handler(self, handler: Handler) -> Handler:
        """Wraps a Lambda handler (for Chalice's `ConvertToMiddleware`) in a `## handler` subsegment."""

        @functools.wraps(handler)
        def traced(event: Any, context: Any) -> Any:
            cold_start, self._cold_start = self._cold_start, False
            parent = sampled_parent(os.environ.get(TRACE_HEADER))
            if parent is None:
                return handler(event, context)
            segment = Subsegment.open("## handler", parent)
            token = self._current.set(segment.as_child())
            fields: dict[str, Any] = {"annotations": {"ColdStart": cold_start, "Service": self.service}}
            try:
                response = handler(event, context)
            except Exception as exc:
                fields.update(fault=True, cause={"exceptions": [_exception(exc)]})
                raise
            else:
                status = getattr(response, "status_code", None)
                if isinstance(status, int):
                    fields.update(status_flags(status))
                return response
            finally:
                self._current.reset(token)
                self.emitter.send(segment.document(**fields))

        return traced

    def call_started(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        parent = self._current.get() or sampled_parent(os.environ.get(TRACE_HEADER))
        if parent is None:
            return
        aws: dict[str, Any] = {"operation": model.name, "region": context.get("client_region")}
        tables = table_names(params)
        if len(tables) == 1:
            aws["table_name"] = tables[0]
        elif tables:
            aws["table_names"] = tables
        context[_CALL] = (Subsegment.open(model.service_model.service_name, parent), aws)

    def call_finished(self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.pop(_CALL, None)
        if call is None:
            return
        segment, aws = call
        metadata = parsed.get("ResponseMetadata", {})
        aws.update(request_id=metadata.get("RequestId"), retries=metadata.get("RetryAttempts", 0))
        flags = status_flags(http_response.status_code, parsed.get("Error", {}).get("Code"))
        self.emitter.send(segment.document(namespace="aws", aws=aws, **flags))

    def call_failed(self, exception: Exception, context: dict[str, Any], **_: Any) -> None:
        call = context.pop(_CALL, None)
        if call is None:
            return
        segment, aws = call
        cause = {"exceptions": [_exception(exception)]}
        self.emitter.send(segment.document(namespace="aws", aws=aws, fault=True, cause=cause))


def _exception(exc: BaseException) -> dict[str, Any]:
    return {"id": secrets.token_hex(8), "type": type(exc).__name__, "message": str(exc)[:256]}


def install(service: str) -> Tracer:
    """A tracer sending to the configured daemon, hooked on every botocore session created from now on."""
    from botocore import handlers

    tracer = Tracer(service, Emitter(daemon_address(os.environ.get(DAEMON_ADDRESS))))
    handlers.BUILTIN_HANDLERS.extend(tracer.hooks())
    return tracer
