"""`chalice local`'s gateway and handler on a server that takes load, answering like the deployed API Gateway.

Three differences from `chalice local`, all so that the local stack behaves like the deployed one:

* The listen backlog is `BACKLOG` instead of socketserver's 5, so a burst of 100 concurrent clients
  queues instead of being reset or left waiting for a SYN retry (the kernel caps it at somaxconn).
* Path parameters arrive percent-decoded, as API Gateway passes them.
* A request the gateway refuses before our code runs gets the same RFC 9457 problem document as
  the deployed gateway responses (infra/resources.json): no `Authorization` header → 401
  `unauthorized`; no such route, or no such method on it (TRACE included) → 404 `not_found`,
  instead of chalice's `{"message": ...}` bodies, its 405 and http.server's 501 HTML page.

No autoreload: restart `make run` after changing code.
"""

from __future__ import annotations

import argparse
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from chalice.app import Chalice, Response
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    LambdaEventConverter,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    MatchResult,
    NotAuthorizedError,
    RouteMatcher,
    ThreadedHTTPServer,
)

from chalicelib.api import problems
from chalicelib.api.errors import Unauthorized

ROOT = Path(__file__).resolve().parent.parent
BACKLOG = 1024


class LoadBearingServer(ThreadedHTTPServer):
    request_queue_size = BACKLOG


class DecodedPathParameters(RouteMatcher):
    """Path parameters percent-decoded, as API Gateway passes them (`chalice local` passes them raw)."""

    def match_route(self, url: str) -> MatchResult:
        found = super().match_route(url)
        return MatchResult(found.route, {k: unquote(v) for k, v in found.captured.items()}, found.query_params)


class GatewayLikeGateway(LocalGateway):
    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self.event_converter = LambdaEventConverter(
            DecodedPathParameters(list(app_object.routes)), app_object.api.binary_types
        )


class GatewayLikeHandler(ChaliceRequestHandler):
    disable_nagle_algorithm = True  # headers and body are separate writes: with Nagle, replies stall ~40 ms

    def __init__(
        self,
        request: socket.socket,
        client_address: tuple[str, int],
        server: LoadBearingServer,
        app_object: Chalice,
        config: Config,
    ) -> None:
        self.local_gateway = GatewayLikeGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def _send_error_response(self, error: LocalGatewayException) -> None:
        if isinstance(error, NotAuthorizedError):
            response = problems.from_error(Unauthorized("A valid bearer token is required."))
            self._send_problem(response, {"WWW-Authenticate": "Bearer"})
        elif isinstance(error, ForbiddenError):  # no such route: our authorizer never denies
            self._send_problem(_not_found())
        else:
            super()._send_error_response(error)

    def _send_http_response(self, code: int, headers: dict[str, Any], body: str | bytes | None) -> None:
        if code == HTTPStatus.METHOD_NOT_ALLOWED:  # chalice's own, for a method the path lacks; never ours
            response = _not_found()
            code, headers, body = response.status_code, {**response.headers, "Cache-Control": "no-store"}, response.body
        super()._send_http_response(code, headers, body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals: a method it has no handler for (501) is a 404 like the gateway's; the rest
        (malformed request line, oversized headers) keep their status, as problem documents."""
        if code == HTTPStatus.NOT_IMPLEMENTED:
            response = _not_found()
        else:
            status = HTTPStatus(code)
            response = problems.problem(int(status), "bad_request", status.phrase, message or status.description)
        self._send_problem(response, {"Connection": "close"})

    def _send_problem(self, response: Response, headers: dict[str, str] | None = None) -> None:
        sent = {**response.headers, "Cache-Control": "no-store", **(headers or {})}
        super()._send_http_response(response.status_code, sent, response.body)


def _not_found() -> Response:
    return problems.problem(404, "not_found", "Not found", "No such resource or method.")


def server(host: str, port: int, stage: str) -> LocalDevServer:
    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name=stage)
    return LocalDevServer(
        config.chalice_app, config, host, port, handler_cls=GatewayLikeHandler, server_cls=LoadBearingServer
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the API locally (chalice's local gateway, larger backlog).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()
    server(args.host, args.port, args.stage).serve_forever()


if __name__ == "__main__":
    main()
