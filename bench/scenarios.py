"""DynamoDB requests per operation, warm and cold: exact counts, shared by the benchmark and its test.

Each group expects a fresh environment (empty tables and caches) and a `Driver`. "Warm" means the
per-process caches hold what the operation needs, as in a warm Lambda; "cold" means they were
cleared just before, as in a new container.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.counting import recording
from bench.driver import Driver, status_of


class UnexpectedResponse(AssertionError):
    """A scenario did not get the answer it is meant to measure, so its count would mean nothing."""


@dataclass(frozen=True)
class CountCase:
    group: str
    case: str
    state: str
    requests: int
    operations: list[str]
    status: int
    code: str | None
    target: int | None
    note: str = ""

    @property
    def meets(self) -> bool | None:
        return None if self.target is None else self.requests <= self.target


@dataclass
class _Group:
    driver: Driver
    name: str
    cases: list[CountCase] = field(default_factory=list)

    def count(
        self,
        case: str,
        state: str,
        action: Callable[[], Any],
        expect: tuple[int, str | None],
        target: int | None,
        before: Callable[[], None] | None = None,
        note: str = "",
    ) -> None:
        from chalicelib.services import caches  # after bench.environment has set the settings

        (before or (caches.clear_all if state == "cold" else _nothing))()
        with recording() as log:
            response = action()
        got = status_of(response)
        if got != expect:
            raise UnexpectedResponse(f"{self.name} / {case} ({state}): expected {expect}, got {got}: {response.body}")
        self.cases.append(CountCase(self.name, case, state, len(log), log.operations, *got, target, note))


def _nothing() -> None:
    return None


def _expect(response: Any, status: int) -> None:
    if response.status_code != status:
        raise UnexpectedResponse(f"set-up call answered {response.status_code}: {response.body}")


def next_day(driver: Driver) -> None:
    driver.clock.now += timedelta(days=1)


def checkins(driver: Driver) -> list[CountCase]:
    group, fan = _Group(driver, "check-in"), "fan-c1"

    def check_in() -> Any:
        return driver.call("POST", "/v1/checkins", who=fan)

    group.count("first ever (new fan)", "cold", check_in, (201, None), 2)
    next_day(driver)
    group.count("first of the day", "warm", check_in, (201, None), 1)
    group.count("repeat, same day", "warm", check_in, (200, None), 1)
    next_day(driver)
    group.count("first of the day", "cold", check_in, (201, None), 2)
    group.count("repeat, same day", "cold", check_in, (200, None), 1)
    return group.cases


def reads(driver: Driver) -> list[CountCase]:
    group, fan = _Group(driver, "reads"), "fan-p1"
    _expect(driver.put_reward("poster", cost=1, stock_remaining=5), 201)
    _expect(driver.call("POST", "/v1/checkins", who=fan), 201)
    for state in ("warm", "cold"):
        group.count("GET /v1/me", state, lambda: driver.call("GET", "/v1/me", who=fan), (200, None), None)
        group.count("GET /v1/rewards", state, lambda: driver.call("GET", "/v1/rewards", who=fan), (200, None), None)
        group.count(
            "GET /v1/me/ledger",
            state,
            lambda: driver.call("GET", "/v1/me/ledger", who=fan),
            (200, None),
            None,
            note="the fan (for awards not yet in the table), then one page",
        )
    return group.cases


# case, reward, expected status and code; every refusal is decided from freshly read state.
REFUSALS: tuple[tuple[str, str, int, str], ...] = (
    ("refused: insufficient points", "jewel", 409, "insufficient_points"),
    ("refused: out of stock", "sold-out", 409, "out_of_stock"),
    ("refused: per-fan limit reached", "limited", 409, "limit_reached"),
    ("refused: tier too low", "vip", 409, "tier_required"),
    ("refused: not available yet (window)", "later", 409, "reward_unavailable"),
    ("refused: unknown reward", "no-such-reward", 404, "reward_not_found"),
)


def _shop(driver: Driver, fan: str) -> None:
    """Rewards for every outcome, and a fan with 10,010 points who has used up `limited`."""
    later = (driver.clock.now + timedelta(days=30)).isoformat()
    rewards: dict[str, dict[str, Any]] = {
        "poster": {"cost": 10, "stock_remaining": 1000},
        "jewel": {"cost": 1_000_000, "stock_remaining": 5},
        "sold-out": {"cost": 10, "stock_remaining": 0},
        "limited": {"cost": 10, "stock_remaining": 100, "per_fan_limit": 1},
        "vip": {"cost": 10, "stock_remaining": 100, "min_tier": "head"},
        "later": {"cost": 10, "stock_remaining": 100, "available_from": later},
    }
    for reward_id, definition in rewards.items():
        _expect(driver.put_reward(reward_id, **definition), 201)
    _expect(driver.call("POST", "/v1/checkins", who=fan), 201)
    adjustment = {"delta": 10_000, "reason": "benchmark"}
    _expect(driver.call("POST", f"/v1/admin/fans/{fan}/adjustments", "ops", True, adjustment, key="seed"), 201)
    _expect(_redeem(driver, fan, "limited", "use-limit")(), 201)


def _redeem(driver: Driver, fan: str, reward_id: str, key: str, quantity: int = 1) -> Callable[[], Any]:
    body = {"reward_id": reward_id, "quantity": quantity}
    return lambda: driver.call("POST", "/v1/redemptions", who=fan, key=key, body=body)


def warm_fan_and_catalogue(driver: Driver, fan: str) -> Callable[[], None]:
    """Listing the catalogue caches every reward; reading the profile caches the fan."""

    def warm() -> None:
        _expect(driver.call("GET", "/v1/rewards", who=fan), 200)
        _expect(driver.call("GET", "/v1/me", who=fan), 200)

    return warm


def redemptions(driver: Driver) -> list[CountCase]:
    group, fan = _Group(driver, "redemption"), "fan-r1"
    _shop(driver, fan)
    warm = warm_fan_and_catalogue(driver, fan)
    group.count("success", "warm", _redeem(driver, fan, "poster", "k-1"), (201, None), 1, warm)
    group.count("success", "cold", _redeem(driver, fan, "poster", "k-2"), (201, None), 2)
    replay = "replay (same Idempotency-Key and body)"
    group.count(replay, "warm", _redeem(driver, fan, "poster", "k-2"), (201, None), 1, warm)
    group.count(replay, "cold", _redeem(driver, fan, "poster", "k-2"), (201, None), 1)
    reused = "same key, another body"
    group.count(reused, "warm", _redeem(driver, fan, "poster", "k-2", 2), (422, "idempotency_key_reused"), 2, warm)
    group.count(reused, "cold", _redeem(driver, fan, "poster", "k-2", 2), (422, "idempotency_key_reused"), 2)
    for case, reward_id, status, code in REFUSALS:
        for state in ("warm", "cold"):
            action = _redeem(driver, fan, reward_id, f"k-{reward_id}-{state}")
            group.count(case, state, action, (status, code), 2, warm if state == "warm" else None)
    return group.cases


def refused_early(driver: Driver) -> list[CountCase]:
    """Refusals that must not reach DynamoDB at all."""
    group, fan = _Group(driver, "refused before storage"), "fan-x1"
    bad_token = {"Authorization": "Bearer not-a-jwt"}
    group.count(
        "invalid bearer token", "any", lambda: driver.call("GET", "/v1/me", headers=bad_token), (401, "unauthorized"), 0
    )
    no_key = {"reward_id": "poster", "quantity": 1}
    group.count(
        "redemption without Idempotency-Key",
        "any",
        lambda: driver.call("POST", "/v1/redemptions", who=fan, body=no_key),
        (400, "validation_error"),
        0,
    )
    bad_body = {"reward_id": "poster", "quantity": 0}
    group.count(
        "redemption with invalid body",
        "any",
        lambda: driver.call("POST", "/v1/redemptions", who=fan, key="k", body=bad_body),
        (400, "validation_error"),
        0,
    )
    forged = driver.like("tt-1", "c-1")
    forged_headers = {**forged.headers, "webhook-signature": "v1,bm90LXRoZS1zaWduYXR1cmU="}
    counted = _Group(driver, "refused, counted for the risk rules")
    counted.count(
        "webhook with a bad signature",
        "any",
        lambda: driver.client.http.request("POST", forged.path, headers=forged_headers, body=forged.body),
        (401, "invalid_signature"),
        1,
        note="one ADD to the process's own counter item, at most 1,000 per platform and 5 minutes",
    )
    return group.cases + counted.cases


def link_and_publish(driver: Driver, links: dict[str, str], contents: list[str], author: str = "tt-author") -> None:
    """Link platform users to fans (`account.linked`) and publish content by an unlinked author."""
    for user, fan in links.items():
        _expect(driver.deliver("account.linked", {"external_user_id": user, "fan_id": fan}), 202)
    for content in contents:
        data = {"content_id": content, "external_user_id": author, "published_at": driver.now_iso()}
        _expect(driver.deliver("content.published", data), 202)


def webhooks(driver: Driver) -> list[CountCase]:
    """Likes by linked fans on published content (author known) and on the artist's own posts (no author)."""
    from chalicelib.services import identity_cache

    group, accepted, duplicate = _Group(driver, "webhook engagement.liked"), (202, None), (200, None)
    user, other = "tt-w1", "tt-w2"
    link_and_publish(driver, {user: "fan-w1", other: "fan-w2"}, [f"ugc-{n}" for n in range(1, 7)])

    def like(who: str, content: str) -> Callable[[], Any]:
        return lambda: driver.send(driver.like(who, content))

    def count(case: str, state: str, action: Callable[[], Any], target: int | None, note: str = "") -> None:
        before = identity_cache.clear if state == "identity cold" else None
        group.count(case, state, action, accepted, target, before, note)

    count("first like after account.linked", "warm", like(user, "ugc-1"), 1)
    next_day(driver)
    delivery = driver.like(user, "ugc-2")
    count("linked fan, published content (author known)", "warm", lambda: driver.send(delivery), 1)
    group.count("duplicate delivery (same webhook-id)", "warm", lambda: driver.send(delivery), duplicate, 1)
    group.count("duplicate delivery (same webhook-id)", "cold", lambda: driver.send(delivery), duplicate, 1)
    next_day(driver)
    for who in (user, other):  # the cold duplicate emptied the caches: warm both links, then both fans
        _expect(like(who, "ugc-5")(), 202)
        _expect(like(who, "ugc-6")(), 202)
    no_author = "linked fan, artist's post (no author)"
    count(f"{no_author}, first seen", "warm", like(user, "artist-post-1"), None, "learns the absence, kept 60 s")
    count(f"{no_author}, absence cached", "warm", like(other, "artist-post-1"), 1)
    next_day(driver)
    count("linked fan, published content (author known)", "identity cold", like(user, "ugc-3"), 2)
    next_day(driver)
    count("linked fan, published content (author known)", "cold", like(user, "ugc-4"), 2)
    count("unlinked user", "warm", like("tt-stranger", "ugc-2"), None, "unlinked users are never cached")
    _expect(like(user, "artist-post-2")(), 202)  # reads the fan: the cold like deferred its award unread
    repeat = "repeat like, same content (new webhook-id)"
    count(repeat, "warm", like(user, "ugc-4"), None, "refused by the active like, then the delivery alone")
    return group.cases


GROUPS: tuple[Callable[[Driver], list[CountCase]], ...] = (checkins, reads, redemptions, webhooks, refused_early)
