"""The routes timed against their floor: how each is set up, and what one iteration sends.

A step may change state before returning the call to time (a new day, a new key, a signed delivery):
that preparation is not timed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.driver import Driver
from bench.latency import Route, Step, check
from bench.scenarios import link_and_publish

AUTH = "test client + jwt_auth authorizer (RS256 verify) + middleware + handler"


def _check_in_first(d: Driver) -> Step:
    check(d.call("POST", "/v1/checkins", who="fan-l1"), 201)

    def step(i: int) -> Callable[[], Any]:
        d.clock.now += timedelta(days=1)
        return lambda: d.call("POST", "/v1/checkins", who="fan-l1")

    return step


def _check_in_repeat(d: Driver) -> Step:
    check(d.call("POST", "/v1/checkins", who="fan-l1"), 201)
    return lambda i: lambda: d.call("POST", "/v1/checkins", who="fan-l1")


def _me(d: Driver) -> Step:
    check(d.call("POST", "/v1/checkins", who="fan-l1"), 201)
    return lambda i: lambda: d.call("GET", "/v1/me", who="fan-l1")


def _rewards(d: Driver) -> Step:
    for n in range(5):
        check(d.put_reward(f"r{n}", cost=5, stock_remaining=9), 201)
    check(d.call("POST", "/v1/checkins", who="fan-l1"), 201)
    return lambda i: lambda: d.call("GET", "/v1/rewards", who="fan-l1")


def _redeem(d: Driver) -> Step:
    check(d.put_reward("poster", cost=1, stock_remaining=10**6), 201)
    check(d.call("POST", "/v1/checkins", who="fan-l1"), 201)
    grant = {"delta": 10**6, "reason": "benchmark"}
    check(d.call("POST", "/v1/admin/fans/fan-l1/adjustments", "ops", True, grant, key="seed"), 201)
    body = {"reward_id": "poster", "quantity": 1}
    return lambda i: lambda: d.call("POST", "/v1/redemptions", who="fan-l1", key=f"bench-{i}", body=body)


def _like(d: Driver) -> Step:
    """The common case: a linked fan likes the artist's own post (no author; its absence is cached)."""
    link_and_publish(d, {"tt-l1": "fan-l1"}, ["ugc-0"])
    check(d.send(d.like("tt-l1", "ugc-0")), 202)  # caches the fan (the link is cached by account.linked)

    def step(i: int) -> Callable[[], Any]:
        delivery = d.like("tt-l1", "artist-post-1")  # the previous like's record was trimmed, so this one earns
        return lambda: d.send(delivery)

    return step


COLD_FANS = 20  # spread so that no fan's pending list fills (MAX_PENDING) during a measurement


def _like_cold(d: Driver) -> Step:
    """A user's first event in a fresh process: link and content read, the award deferred without reading the fan."""
    from chalicelib.services import caches

    link_and_publish(d, {f"tt-c{k}": f"fan-c{k}" for k in range(COLD_FANS)}, ["ugc-0"])

    def step(i: int) -> Callable[[], Any]:
        caches.clear_all()
        delivery = d.like(f"tt-c{i % COLD_FANS}", "ugc-0")  # each like's record is trimmed, so every one earns
        return lambda: d.send(delivery)

    return step


def _duplicate(d: Driver) -> Step:
    link_and_publish(d, {"tt-l1": "fan-l1"}, ["ugc-1"])
    delivery = d.like("tt-l1", "ugc-1")
    check(d.send(delivery), 202)
    return lambda i: lambda: d.send(delivery)


def _health(d: Driver) -> Step:
    return lambda i: lambda: d.call("GET", "/v1/health")


WEBHOOK = "test client + signature check (HMAC) + middleware + handler; no authorizer"
ROUTES: tuple[Route, ...] = (
    Route("POST /v1/checkins (first of the day, warm)", AUTH, 201, _check_in_first),
    Route("POST /v1/checkins (repeat, same day)", AUTH, 200, _check_in_repeat),
    Route("GET /v1/me", AUTH, 200, _me),
    Route("GET /v1/rewards (5 rewards)", AUTH, 200, _rewards),
    Route("POST /v1/redemptions (success, warm)", AUTH, 201, _redeem),
    Route("POST /v1/webhooks/tiktok engagement.liked (warm, artist's post)", WEBHOOK, 202, _like),
    Route("POST /v1/webhooks/tiktok engagement.liked (cold: nothing cached)", WEBHOOK, 202, _like_cold),
    Route("POST /v1/webhooks/tiktok duplicate delivery", WEBHOOK, 200, _duplicate),
    Route("GET /v1/health (reference: public, one Query)", "test client + middleware + handler", 200, _health, True),
)
