"""Injected TransactionConflict, throttling and lost responses: no partial effect, nothing lost or doubled.

Faults are injected with botocore `before-call`/`after-call` hooks on the app's own DynamoDB
clients, the same hooks the benchmarks count requests with.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from time import monotonic
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from chalicelib.persistence.connection import register_hook, unregister_hook
from chalicelib.settings import get_settings
from tests.concurrency.support import Faults, run_concurrently, with_retries
from tests.support import Platform, ledger_sum, payload, reward_body, snapshot


@pytest.fixture
def faults():
    installed: list[Faults] = []

    def install(rate: float, **kwargs: Any) -> Faults:
        injector = Faults(rate, **kwargs)
        register_hook("before-call.dynamodb.*", injector)
        installed.append(injector)
        return injector

    yield install
    for injector in installed:
        unregister_hook("before-call.dynamodb.*", injector)


def test_batch_under_conflicts_and_throttling_keeps_every_invariant(api, clock, faults):
    fans = [f"fan-{i}" for i in range(12)]
    api.call("PUT", "/v1/admin/rewards/tee", who="ops", admin=True, body=reward_body(cost=15, stock_remaining=8))
    injector = faults(0.3)
    statuses: Counter[int] = Counter()
    for day in range(3):
        calls = []
        for fan in fans:
            calls.append(lambda f=fan: with_retries(lambda: api.call("POST", "/v1/checkins", who=f)))
            calls.append(
                lambda f=fan, d=day: with_retries(
                    lambda: api.call("POST", "/v1/redemptions", who=f, key=f"day{d}", body={"reward_id": "tee"})
                )
            )
        statuses.update(r.status_code for r in run_concurrently(calls))
        clock.now += timedelta(days=1)
    assert injector.injected["TransactionConflict"] > 10 and injector.injected["Throttling"] > 10
    assert 500 not in statuses and 503 not in statuses, statuses
    unregister_hook("before-call.dynamodb.*", injector)

    confirmed = 0
    for fan in fans:
        ledger = []
        cursor = None
        while True:
            page = payload(
                api.call("GET", "/v1/me/ledger?limit=100" + (f"&cursor={cursor}" if cursor else ""), who=fan)
            )
            ledger += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        checkins = [e for e in ledger if e["kind"] == "checkin"]
        assert len(checkins) == len({e["ref"] for e in checkins}) == 3, fan  # one award per day, none lost
        redemptions = payload(api.call("GET", "/v1/me/redemptions", who=fan))["items"]
        assert len([e for e in ledger if e["kind"] == "redemption"]) == len(redemptions)
        confirmed += sum(r["quantity"] for r in redemptions)
        me = payload(api.call("GET", "/v1/me", who=fan))
        assert me["balance"] == sum(e["delta"] for e in ledger) >= 0
    stock = payload(api.call("GET", "/v1/rewards", who="ops", admin=True))["items"][0]["stock_remaining"]
    assert confirmed + stock == 8 and confirmed == 8


def test_persistent_conflicts_give_503_and_change_nothing(api, faults):
    api.call("PUT", "/v1/admin/rewards/tee", who="ops", admin=True, body=reward_body(cost=5))
    api.call("POST", "/v1/checkins", who="fan-1")
    before = snapshot()
    faults(1.0, only="TransactWriteItems")
    for method, path, body, key in [
        ("POST", "/v1/redemptions", {"reward_id": "tee"}, "k1"),
        ("POST", "/v1/admin/fans/fan-1/adjustments", {"delta": 5, "reason": "x"}, "k2"),
        ("POST", "/v1/admin/rewards/tee/restock", {"quantity": 5}, "k3"),
    ]:
        response = api.call(
            method, path, who="ops" if "admin" in path else "fan-1", admin="admin" in path, body=body, key=key
        )
        assert response.status_code == 503, (path, response.body)
        assert payload(response)["code"] == "service_unavailable" and response.headers["Retry-After"] == "1"
    assert snapshot() == before


@pytest.mark.parametrize("operation", ["TransactGetItems", "GetItem"])
def test_throttled_reads_give_503(api, faults, operation):
    if operation == "GetItem":
        assert api.call("GET", "/v1/me", who="fan-1").status_code == 200  # cut-offs now remembered: a plain read
    faults(1.0, only=operation)
    response = api.call("GET", "/v1/me", who="fan-1")
    assert response.status_code == 503 and payload(response)["code"] == "service_unavailable"


class LoseFirstResponse:
    """The transaction commits, then the response is lost (a timeout), once."""

    def __init__(self) -> None:
        self.fired = False

    def __call__(self, **_: Any) -> None:
        if not self.fired:
            self.fired = True
            raise ReadTimeoutError(endpoint_url="http://dynamodb")


@pytest.fixture
def lose_first_response():
    hook = LoseFirstResponse()
    yield lambda: register_hook("after-call.dynamodb.TransactWriteItems", hook)
    unregister_hook("after-call.dynamodb.TransactWriteItems", hook)


def test_lost_response_on_redemption_is_answered_once(api, lose_first_response):
    api.call("PUT", "/v1/admin/rewards/tee", who="ops", admin=True, body=reward_body(cost=5))
    api.call("POST", "/v1/checkins", who="fan-1")
    lose_first_response()
    first = api.call("POST", "/v1/redemptions", who="fan-1", key="k1", body={"reward_id": "tee"})
    assert first.status_code == 201, first.body
    assert len(payload(api.call("GET", "/v1/me/redemptions", who="fan-1"))["items"]) == 1
    assert payload(api.call("GET", "/v1/me", who="fan-1"))["balance"] == ledger_sum(api, "fan-1") == 5


def test_lost_response_on_checkin_still_reports_the_award(api, lose_first_response):
    lose_first_response()
    response = api.call("POST", "/v1/checkins", who="fan-1")
    assert response.status_code == 201 and payload(response)["points_awarded"] == 10
    assert ledger_sum(api, "fan-1") == 10


class Attempts:
    """Counts every DynamoDB call the app's clients send (botocore makes one attempt per call)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **_: Any) -> None:
        self.count += 1


@pytest.mark.parametrize(
    ("method", "path", "body", "admin"),
    [
        ("POST", "/v1/checkins", None, False),
        ("GET", "/v1/me", None, False),
        ("POST", "/v1/redemptions", {"reward_id": "tee"}, False),
        ("POST", "/v1/admin/fans/fan-1/adjustments", {"delta": 5, "reason": "x"}, True),
    ],
)
def test_a_request_has_one_bounded_budget_of_dynamodb_attempts(api, faults, method, path, body, admin):
    api.call("PUT", "/v1/admin/rewards/tee", who="ops", admin=True, body=reward_body(cost=5))
    api.call("POST", "/v1/checkins", who="fan-1")
    attempts = Attempts()
    register_hook("before-call.dynamodb.*", attempts)
    faults(1.0)  # every call fails, with contention or throttling
    try:
        started = monotonic()
        response = api.call(method, path, who="ops" if admin else "fan-1", admin=admin, body=body, key="k")
        elapsed = monotonic() - started
    finally:
        unregister_hook("before-call.dynamodb.*", attempts)
    settings = get_settings()
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert 2 <= attempts.count <= settings.request_attempts
    assert elapsed < settings.request_seconds + 1  # well inside API Gateway's 29 s


def test_a_webhook_delivery_has_the_same_budget(api, clock, faults):
    tiktok = Platform(api)
    tiktok.link("fan-1", "tt-1")
    attempts = Attempts()
    register_hook("before-call.dynamodb.*", attempts)
    faults(1.0)
    try:
        tiktok.send(
            "engagement.liked",
            {"content_id": "c", "external_user_id": "tt-1", "occurred_at": clock.now.isoformat()},
            expect=503,
        )
    finally:
        unregister_hook("before-call.dynamodb.*", attempts)
    assert 2 <= attempts.count <= get_settings().request_attempts
