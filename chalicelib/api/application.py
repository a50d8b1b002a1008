"""The Chalice app class, made safe for servers that handle requests on several threads.

Chalice keeps the current request and Lambda context as attributes of the app object. Lambda
runs one event per process at a time, but `chalice local` serves each connection on its own
thread, so two concurrent requests would read each other's request. Keeping both per thread
makes the local stack and the concurrency tests exercise our code rather than that race.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice.app import Chalice, Request


class ThreadSafeChalice(Chalice):
    _per_thread = threading.local()

    @property
    def current_request(self) -> Request | None:
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value: Request | None) -> None:
        self._per_thread.request = value

    @property
    def lambda_context(self) -> Any:
        return getattr(self._per_thread, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._per_thread.context = value
