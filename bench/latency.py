"""In-process latency of a route against its floor: the measuring loop and its figures.

Each route runs in its own fresh moto. One iteration is: the route through chalice's test client
(timed), then the exact DynamoDB requests it sent replayed on the mirror with bare boto3 (timed),
then the items the iteration created are deleted from both (not timed).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench import environment
from bench.counting import recording
from bench.driver import Driver
from bench.floor import Mirror
from bench.scenarios import UnexpectedResponse

Step = Callable[[int], Callable[[], Any]]


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p99_ms: float

    @classmethod
    def of(cls, samples_ns: list[int]) -> Timing:
        ordered = sorted(samples_ns)
        p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
        return cls(statistics.median(ordered) / 1e6, p99 / 1e6)


@dataclass(frozen=True)
class RouteFigure:
    route: str
    includes: str
    requests: str
    iterations: int
    app: Timing
    floor: Timing
    reference: bool = False

    @property
    def ratio(self) -> float:
        return self.app.median_ms / self.floor.median_ms

    @property
    def overhead_ms(self) -> float:
        return self.app.median_ms - self.floor.median_ms


@dataclass(frozen=True)
class Session:
    driver: Driver
    mirror: Mirror


@contextmanager
def session() -> Iterator[Session]:
    """A fresh moto with the app's tables, a mirror for the floor, the test client and a fixed clock."""
    from chalicelib.settings import get_settings

    with environment.driven() as driver:
        yield Session(driver, Mirror(get_settings().table_prefix))


def check(response: Any, expect: int) -> None:
    if response.status_code != expect:
        raise UnexpectedResponse(f"expected {expect}, got {response.status_code}: {response.body}")


COLLECT_EVERY = 32


@contextmanager
def collector_paused() -> Iterator[Callable[[], int]]:
    """Pause automatic garbage collection; the caller collects between batches, outside the timed code.

    With moto in the process the heap holds ~500,000 objects, and a full collection (0.3-0.5 s on
    this machine) would land at random in app or floor time. Only the collector's pauses move out of
    the timings: every allocation the app makes is still timed.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield lambda: gc.collect()
    finally:
        gc.enable()
        gc.unfreeze()


def measure(s: Session, step: Step, expect: int, iterations: int, warmup: int) -> tuple[list[int], list[int], str]:
    """Route and floor samples (ns) and the requests per iteration, e.g. '1: TransactWriteItems'."""
    app_ns: list[int] = []
    floor_ns: list[int] = []
    seen: Counter[str] = Counter()
    s.mirror.sync()
    with collector_paused() as collect, recording() as log:
        for i in range(warmup + iterations):
            send = step(i)
            log.clear()
            start = time.perf_counter_ns()
            response = send()
            app_time = time.perf_counter_ns() - start
            requests = list(log.requests)
            calls = s.mirror.prepare(requests)
            start = time.perf_counter_ns()
            s.mirror.replay(calls)
            floor_time = time.perf_counter_ns() - start
            s.mirror.trim(requests)
            check(response, expect)
            if i >= warmup:
                app_ns.append(app_time)
                floor_ns.append(floor_time)
                seen[f"{len(requests)}: {', '.join(r.operation for r in requests) or '(none)'}"] += 1
            if i % COLLECT_EVERY == COLLECT_EVERY - 1:
                collect()
    s.mirror.verify()
    return app_ns, floor_ns, " | ".join(f"{k} (x{n})" if len(seen) > 1 else k for k, n in seen.most_common())


@dataclass(frozen=True)
class Route:
    name: str
    includes: str
    expect: int
    setup: Callable[[Driver], Step]
    reference: bool = False  # shown for comparison, not held to the target


def figure(route: Route, iterations: int, warmup: int) -> RouteFigure:
    with session() as s:
        step = route.setup(s.driver)
        app_ns, floor_ns, requests = measure(s, step, route.expect, iterations, warmup)
    timings = Timing.of(app_ns), Timing.of(floor_ns)
    return RouteFigure(route.name, route.includes, requests, iterations, *timings, route.reference)


def jwt_verify(iterations: int) -> Timing:
    """`chalicelib.api.auth.verify` alone: the RS256 check the authorizer runs on every test-client call."""
    from chalicelib.api.auth import verify

    with session() as s:
        header = f"Bearer {s.driver.token('fan-l1')}"
        verify(header)
        samples = []
        for _ in range(iterations):
            start = time.perf_counter_ns()
            verify(header)
            samples.append(time.perf_counter_ns() - start)
    return Timing.of(samples)
