"""DynamoDB requests per operation: the exact counts `make bench` reports, as behaviour that must not regress.

The scenarios are the benchmark's own (`bench/scenarios.py`), counted with botocore hooks on the
app's clients; "warm" means the per-process caches hold what the operation needs, "cold" that they
were cleared first.
"""

import pytest

from bench import scenarios
from bench.counting import recording
from bench.driver import Driver

AUTHOR_KNOWN = "linked fan, published content (author known)"
NO_AUTHOR_CACHED = "linked fan, artist's post (no author), absence cached"

# (case, caches) -> the DynamoDB calls it makes today, in order. A change here is a change in cost.
EXACT = {
    ("first ever (new fan)", "cold"): ["GetItem", "TransactWriteItems"],
    ("first of the day", "warm"): ["TransactWriteItems"],
    ("first of the day", "cold"): ["GetItem", "TransactWriteItems"],
    ("success", "warm"): ["TransactWriteItems"],
    ("success", "cold"): ["TransactGetItems", "TransactWriteItems"],
    ("first like after account.linked", "warm"): ["TransactWriteItems"],
    (AUTHOR_KNOWN, "warm"): ["TransactWriteItems"],
    (NO_AUTHOR_CACHED, "warm"): ["TransactWriteItems"],
    ("duplicate delivery (same webhook-id)", "warm"): ["TransactWriteItems"],
    ("duplicate delivery (same webhook-id)", "cold"): ["TransactGetItems"],
    (AUTHOR_KNOWN, "identity cold"): ["TransactGetItems", "TransactWriteItems"],
    (AUTHOR_KNOWN, "cold"): ["TransactGetItems", "TransactWriteItems"],  # the award is deferred, not read
}

# Costs above the one-request ideal or a missed target, as they are today: fail if they grow.
CEILINGS = {
    ("linked fan, artist's post (no author), first seen", "warm"): 2,
    ("unlinked user", "warm"): 2,
    ("repeat like, same content (new webhook-id)", "warm"): 2,
    ("GET /v1/me", "warm"): 1,
    ("GET /v1/me", "cold"): 1,
    ("GET /v1/rewards", "warm"): 2,
    ("GET /v1/rewards", "cold"): 2,
    ("GET /v1/me/ledger", "warm"): 2,
    ("GET /v1/me/ledger", "cold"): 2,
}


@pytest.fixture
def driver(api, clock):
    return Driver(api.client, clock)


def by_case(cases):
    return {(c.case, c.state): c for c in cases}


def check(cases):
    for case in cases:
        key = (case.case, case.state)
        if key in CEILINGS:
            assert case.requests <= CEILINGS[key], (key, case.operations)
        else:
            assert case.meets is not False, (key, case.operations)
        if key in EXACT:
            assert case.operations == EXACT[key], key


def test_check_in_is_one_write_warm_and_at_most_two_cold(driver):
    cases = by_case(scenarios.checkins(driver))
    assert cases["first of the day", "warm"].requests == 1
    assert cases["repeat, same day", "warm"].requests <= 1
    assert cases["repeat, same day", "cold"].requests <= 1
    check(cases.values())


def test_redemption_is_one_write_warm_and_every_refusal_at_most_two(driver):
    cases = scenarios.redemptions(driver)
    assert by_case(cases)["success", "warm"].requests == 1
    refusals = [c for c in cases if c.case.startswith("refused")]
    assert len(refusals) == 2 * len(scenarios.REFUSALS)
    assert all(c.requests <= 2 for c in refusals), [(c.case, c.state, c.operations) for c in refusals]
    replays = [c for c in cases if c.case.startswith("replay")]
    assert replays and all(c.requests == 1 for c in replays)
    check(cases)


def test_warm_webhook_engagement_and_duplicates_are_one_request(driver):
    cases = by_case(scenarios.webhooks(driver))
    assert cases[AUTHOR_KNOWN, "warm"].requests == 1
    assert cases[NO_AUTHOR_CACHED, "warm"].requests == 1
    assert cases["duplicate delivery (same webhook-id)", "warm"].requests == 1
    assert cases["duplicate delivery (same webhook-id)", "cold"].requests == 1
    check(cases.values())


def test_reads_and_early_refusals(driver):
    cases = scenarios.reads(driver) + scenarios.refused_early(driver)
    assert all(c.requests == 0 for c in cases if c.group == "refused before storage")
    check(cases)


def test_the_counting_hook_sees_every_client_and_unregisters(driver):
    with recording() as log:
        driver.call("GET", "/v1/me", who="fan-1")  # a container's first profile reads the cut-offs with the fan
        driver.call("GET", "/v1/me", who="fan-1")
    assert log.operations == ["TransactGetItems", "GetItem"]
    driver.call("GET", "/v1/me", who="fan-1")
    assert len(log) == 2
