"""Sustained webhook throughput: signed deliveries back to back in one process, against the floor."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.counting import recording
from bench.driver import Driver, Prepared
from bench.latency import check, collector_paused, session
from bench.scenarios import link_and_publish


@dataclass(frozen=True)
class Throughput:
    events: int
    fans: int
    batch: int
    requests_per_event: float
    app_seconds: float
    floor_seconds: float

    @property
    def app_per_second(self) -> float:
        return self.events / self.app_seconds

    @property
    def floor_per_second(self) -> float:
        return self.events / self.floor_seconds

    @property
    def ratio(self) -> float:
        return self.floor_per_second / self.app_per_second


def throughput(events: int, batch: int = 32, fans: int = 8) -> Throughput:
    """Signed `engagement.liked` deliveries one after another: linked fans liking the artist's own posts.

    Each delivery is followed by the replay of its requests on the mirror, so that machine noise
    hits app and floor alike; events/s is events over the summed time of the deliveries (or of
    their replays). Every (fan, post) pair occurs once per 64 events, so no like repeats before
    the items a batch created are deleted (untimed). The first 64 events are an untimed warm-up:
    every fan and post is then known to the process.
    """
    users = [f"tt-t{n}" for n in range(fans)]
    posts = [f"artist-post-{n}" for n in range(fans)]
    warmup = fans * fans
    with session() as s:
        d = s.driver
        link_and_publish(d, {u: f"fan-t{n}" for n, u in enumerate(users)}, [])
        deliveries = [d.like(users[i % fans], posts[(i // fans) % fans]) for i in range(warmup + events)]
        app_ns = floor_ns = requests = 0
        s.mirror.sync()
        with collector_paused() as collect, recording() as log:
            for start in range(0, warmup + events, batch):
                sent = []
                for delivery in deliveries[start : start + batch]:
                    log.clear()
                    elapsed = _send(d, delivery)
                    calls = s.mirror.prepare(log.requests)
                    began = time.perf_counter_ns()
                    s.mirror.replay(calls)
                    if start >= warmup:
                        app_ns, floor_ns = app_ns + elapsed, floor_ns + time.perf_counter_ns() - began
                        requests += len(log.requests)
                    sent.extend(log.requests)
                s.mirror.trim(sent)
                collect()
        s.mirror.verify()
    return Throughput(events, fans, batch, requests / events, app_ns / 1e9, floor_ns / 1e9)


def _send(d: Driver, delivery: Prepared) -> int:
    start = time.perf_counter_ns()
    response = d.send(delivery)
    elapsed = time.perf_counter_ns() - start
    check(response, 202)
    return elapsed
