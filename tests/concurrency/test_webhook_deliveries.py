"""1,000 deliveries with 30% duplicates, shuffled and concurrent: points equal exactly the unique events after caps."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from chalicelib.persistence import deliveries as platform
from chalicelib.services import caches
from chalicelib.settings import get_settings
from tests.concurrency.support import Faults, run_concurrently, with_retries
from tests.support import deliver, ledger_sum, payload

FANS = 40
SENDERS = 32  # deliveries in flight at once, as a platform's delivery workers would send them


def _plan(clock, count: int, seed: int):
    """Unique engagement events by linked and unlinked users over two local days."""
    rng = random.Random(seed)
    kinds = ["liked", "commented", "shared"]
    events = []
    for n in range(count):
        user = rng.randrange(FANS + 2)  # the last two users are never linked
        kind = rng.choice(kinds)
        occurred = clock.now - timedelta(hours=rng.choice([0, 0, 0, 20]))
        events.append(
            {
                "webhook_id": f"msg_{n}",
                "type": f"engagement.{kind}",
                "data": {"content_id": f"c{n}", "external_user_id": f"u{user}", "occurred_at": occurred.isoformat()},
            }
        )
    return events


def _expected_points(events):
    rules = get_settings().engagement_rules
    from chalicelib.domain.days import local_day

    per: Counter[tuple[str, str, str]] = Counter()
    for event in events:
        user = event["data"]["external_user_id"]
        if int(user[1:]) >= FANS:
            continue
        kind = event["type"].split(".")[1]
        from datetime import datetime

        day = local_day(datetime.fromisoformat(event["data"]["occurred_at"]), get_settings().community_time_zone)
        per[(user, kind, day.isoformat())] += 1
    totals: defaultdict[str, int] = defaultdict(int)
    for (user, kind, _), n in per.items():
        totals[user] += min(n, rules.daily_caps[kind]) * rules.points[kind]
    assert any(n > rules.daily_caps[kind] for (_, kind, _), n in per.items()), "the plan must hit some caps"
    return totals


def _link_all(api):
    for i in range(FANS):
        response = deliver(api, "account.linked", {"external_user_id": f"u{i}", "fan_id": f"fan-{i}"})
        assert response.status_code == 202


def _send(api, event):
    return deliver(api, event["type"], event["data"], webhook_id=event["webhook_id"])


@pytest.mark.parametrize("cold_share", [0.0, 0.3], ids=["warm containers", "30% cold containers"])
def test_thousand_deliveries_with_duplicates_concurrently(api, clock, monkeypatch, cold_share):
    """With cold caches some awards are deferred unread and settled later, interleaved with read-then-write awards."""
    _link_all(api)
    unique = _plan(clock, 700, seed=11)
    rng = random.Random(5)
    deliveries = unique + [rng.choice(unique) for _ in range(300)]
    rng.shuffle(deliveries)
    cold = set(rng.sample(range(1000), int(1000 * cold_share)))
    deferred = Counter[str]()
    defer = platform.DeliveryWrite.defer_award

    def counting_defer(self, fan_id, award, max_pending):
        deferred[fan_id] += 1
        return defer(self, fan_id, award, max_pending)

    monkeypatch.setattr(platform.DeliveryWrite, "defer_award", counting_defer)

    def send(n: int, event):
        if n in cold:
            caches.clear_all()
        return with_retries(lambda: _send(api, event))

    responses = run_concurrently([lambda n=n, e=e: send(n, e) for n, e in enumerate(deliveries)], SENDERS)
    assert (sum(deferred.values()) > 50) == (cold_share > 0), deferred
    statuses = Counter(r.status_code for r in responses)
    # A 503 is retried like a platform would; a retried delivery may find its first attempt landed.
    assert statuses[500] == statuses[503] == 0 and statuses[202] + statuses[200] == 1000, statuses
    assert 700 - 20 <= statuses[202] <= 700, statuses
    expected = _expected_points(unique)
    for i in range(FANS):
        fan = f"fan-{i}"
        assert payload(api.call("GET", "/v1/me", who=fan))["balance"] == expected[f"u{i}"] == ledger_sum(api, fan)


def _cold_every_third(n: int, api, event):
    """Every third delivery finds the caches empty, so deferred awards meet faults too."""
    if n % 3 == 0:
        caches.clear_all()
    return with_retries(lambda: _send(api, event))


def test_faults_mid_batch_complete_every_delivery_exactly_once(api, clock):
    _link_all(api)
    events = _plan(clock, 120, seed=3)
    injector = Faults(0.3, seed=9)
    from chalicelib.persistence.connection import register_hook, unregister_hook

    register_hook("before-call.dynamodb.*", injector)
    try:
        first = run_concurrently([lambda n=n, e=e: _cold_every_third(n, api, e) for n, e in enumerate(events)])
        # the platform retries some deliveries anyway (it did not see our answer)
        again = run_concurrently([lambda e=e: with_retries(lambda: _send(api, e)) for e in events[:40]])
    finally:
        unregister_hook("before-call.dynamodb.*", injector)
    assert sum(injector.injected.values()) > 20
    assert {r.status_code for r in first} == {202}, Counter(r.status_code for r in first)
    assert {r.status_code for r in again} == {200}
    expected = _expected_points(events)
    for i in range(FANS):
        fan = f"fan-{i}"
        assert payload(api.call("GET", "/v1/me", who=fan))["balance"] == expected[f"u{i}"] == ledger_sum(api, fan)
    likes = sum(1 for e in events if e["type"] == "engagement.liked")
    counted = 0
    for e in events:
        if e["type"] == "engagement.liked":
            path = f"/v1/admin/content/tiktok/{e['data']['content_id']}"
            found = payload(api.call("GET", path, who="ops", admin=True))
            counted += found["likes"]
    assert counted == likes
