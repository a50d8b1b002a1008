"""100 clients connecting at the same instant are all accepted at once and all answered (loopback, bounded)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tools.stack_process import bearer, running

pytestmark = pytest.mark.e2e
CLIENTS = 100
SYN_RETRY_SECONDS = 1.0  # Linux's first SYN retransmission: a connect slower than this was dropped once


@pytest.fixture(scope="module")
def stack() -> Iterator[str]:
    with running() as url:
        yield url


def test_a_burst_of_100_connections_is_accepted_and_every_one_answered(stack):
    where = urlsplit(stack)
    tokens = [bearer(f"burst-{i}") for i in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)

    def client(i: int) -> tuple[float, int, dict]:
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
        try:
            start.wait(timeout=30)
            began = time.monotonic()
            connection.connect()
            connected = time.monotonic() - began
            if i % 2:
                connection.request("GET", "/v1/health")
            else:
                connection.request("POST", "/v1/checkins", headers={"Authorization": f"Bearer {tokens[i]}"})
            response = connection.getresponse()
            return connected, response.status, json.loads(response.read())
        finally:
            connection.close()

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - began

    statuses = [status for _, status, _ in results]
    assert statuses == [201 if i % 2 == 0 else 200 for i in range(CLIENTS)], statuses
    assert all(body["status"] == "ok" for i, (_, _, body) in enumerate(results) if i % 2)
    assert {body["fan_id"] for i, (_, _, body) in enumerate(results) if i % 2 == 0} == {
        f"burst-{i}" for i in range(0, CLIENTS, 2)
    }
    slowest_connect = max(connected for connected, _, _ in results)
    assert slowest_connect < SYN_RETRY_SECONDS, f"a connection waited {slowest_connect:.2f}s: the backlog overflowed"
    assert elapsed < 60
