"""What the local stack carries: requests/s and latency percentiles at 1, 10 and 100 concurrent clients.

`python -m bench.local_stack_load` starts `make run`'s stack on free loopback ports, drives
`GET /v1/health` and an authenticated first check-in (`POST /v1/checkins`, a new fan per request)
from client threads in this process, each client on its own keep-alive connection, and prints a
table; figures go to bench/results/<name>.json. Bounded: a fixed number of requests per level,
30 s timeout per request, loopback only. The clients share the machine with the server, so the
figures are a floor for the server itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from tools.stack_process import bearer, running

RESULTS = Path(__file__).resolve().parent / "results"
Request = tuple[str, str, dict[str, str]]


@dataclass(frozen=True)
class Level:
    route: str
    clients: int
    requests: int
    failures: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(url: str, route: str, clients: int, total: int, next_request: Callable[[int], Request]) -> Level:
    """`total` requests split over `clients` threads that start together; each keeps one connection."""
    where = urlsplit(url)
    start = threading.Barrier(clients + 1)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    shares = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    offsets = [sum(shares[:i]) for i in range(clients)]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
        mine: list[float] = []
        failed = 0
        start.wait()
        try:
            for n in range(offsets[index], offsets[index] + shares[index]):
                method, path, headers = next_request(n)
                began = time.perf_counter()
                try:
                    connection.request(method, path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    failed += response.status >= 400
                except (OSError, http.client.HTTPException):
                    failed += 1
                    connection.close()
                mine.append(time.perf_counter() - began)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                failures[0] += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    ordered = sorted(latencies)
    return Level(
        route=route,
        clients=clients,
        requests=len(ordered),
        failures=failures[0],
        seconds=round(seconds, 3),
        requests_per_second=round(len(ordered) / seconds, 1),
        p50_ms=round(_percentile(ordered, 0.50) * 1000, 1),
        p90_ms=round(_percentile(ordered, 0.90) * 1000, 1),
        p99_ms=round(_percentile(ordered, 0.99) * 1000, 1),
        max_ms=round(ordered[-1] * 1000, 1),
    )


def first_checkins(fans: list[str]) -> Callable[[int], Request]:
    """Request n is fan n's first check-in of the day (a write), with a token minted beforehand."""
    tokens = [bearer(fan) for fan in fans]
    return lambda n: ("POST", "/v1/checkins", {"Authorization": f"Bearer {tokens[n]}"})


def run(levels: list[int], requests: int) -> list[Level]:
    results: list[Level] = []
    with running() as url:
        for clients in levels:
            total = max(requests, clients)
            results.append(measure(url, "GET /v1/health", clients, total, lambda n: ("GET", "/v1/health", {})))
            fans = [f"load-{clients}-{n}" for n in range(total)]
            results.append(measure(url, "POST /v1/checkins", clients, total, first_checkins(fans)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.local_stack_load", description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 100], help="concurrency levels")
    parser.add_argument("--requests", type=int, default=400, help="requests per route and level (default 400)")
    parser.add_argument("--name", default="local_stack", help="results file bench/results/<name>.json")
    args = parser.parse_args()
    results = run(args.clients, args.requests)
    print(
        f"{'route':<20}{'clients':>8}{'requests':>10}{'failed':>8}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}"
    )
    for r in results:
        print(
            f"{r.route:<20}{r.clients:>8}{r.requests:>10}{r.failures:>8}{r.requests_per_second:>9}"
            f"{r.p50_ms:>9}{r.p90_ms:>9}{r.p99_ms:>9}{r.max_ms:>9}"
        )
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.platform()},
        "levels": [asdict(r) for r in results],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
