"""moto's server with one lock around request processing.

moto's DynamoDB is not thread-safe: concurrent transactions on the threaded server oversell and
lose writes. Serialising requests makes the local stack and concurrency tests prove our
conditions, not moto's races (see docs/architecture.md). Serialised, transactions can also skip
moto's copy of every table they touch (tools/moto_transactions.py).
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: F401  (registers backends)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from tools import moto_scan, moto_transactions

_lock = threading.Lock()


def serialised_app() -> Callable[..., Iterable[bytes]]:
    inner = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with _lock:
            return list(inner(environ, start_response))

    return app


def serve(host: str, port: int, fast_scan: bool = False) -> None:
    moto_transactions.install()
    if fast_scan:
        moto_scan.install()
    server = make_server(host, port, serialised_app(), threaded=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serialised moto server for the local stack and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--fast-scan", action="store_true", help="O(page) segmented scans (benchmarks only)")
    args = parser.parse_args()
    serve(args.host, args.port, args.fast_scan)


if __name__ == "__main__":
    main()
