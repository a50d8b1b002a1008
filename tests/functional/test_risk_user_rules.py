"""The three per-fan user rules end to end: fans act through the API and webhooks, the stream handlers keep the
peers histogram and the suspect and newcomer records, the scan judges them on the test clock, and ops hear of it
at the right level; or nothing, on near-misses."""

import json
from datetime import datetime, timedelta

import boto3
import pytest

from chalicelib.domain import days
from chalicelib.domain.risk import peers
from chalicelib.persistence import connection, counters, user_records
from chalicelib.persistence.models import CounterModel
from chalicelib.services import risk_scan, user_signals
from chalicelib.settings import get_settings
from tests.alert_support import Subscriber
from tests.support import Platform, reward_body

SECONDS = timedelta(seconds=1)
MINUTES = timedelta(minutes=1)
CAPS = {"liked": 3, "commented": 2, "shared": 2, "viewed": 2}  # tests/conftest.py's ENGAGEMENT_RULES


@pytest.fixture
def ops(aws):
    return Subscriber()


@pytest.fixture
def tiktok(api):
    return Platform(api)


def raised(ops, rule):
    return [(m["category"], m["level"]) for m in ops.received() if m["rule"] == rule and m["notification"] == "raised"]


def scan(clock, streams):
    streams.drain()
    clock.now += MINUTES
    risk_scan.scan(clock.now)


def check_in(api, fan):
    assert api.call("POST", "/v1/checkins", who=fan).status_code == 201


def engage(tiktok, clock, account, kind, content):
    data = {"content_id": content, "external_user_id": account, "occurred_at": clock.now.isoformat()}
    if kind == "viewed":
        data["completion"] = 1.0
    tiktok.send(f"engagement.{kind}", data)


def max_every_cap(tiktok, clock, fan, caps=CAPS):
    """A script: link, then every capped kind to its cap within seconds."""
    tiktok.link(fan, f"tt-{fan}")
    for kind, cap in caps.items():
        for n in range(cap):
            engage(tiktok, clock, f"tt-{fan}", kind, f"{kind}-{n}")
            clock.now += SECONDS


def redeem(api, fan, reward_id):
    body = {"reward_id": reward_id, "quantity": 1}
    response = api.call("POST", "/v1/redemptions", who=fan, key=f"{fan}-{reward_id}", body=body)
    assert response.status_code == 201, response.body


# Points farming


@pytest.mark.parametrize(("pinned", "level"), [(3, "warning"), (2, None)])
def test_fans_pinned_at_every_cap_raise_points_farming_from_three(api, clock, streams, ops, tiktok, pinned, level):
    for n in range(pinned):
        max_every_cap(tiktok, clock, f"farm-{n}")
    keen = {**CAPS, "shared": 1}  # every cap but one: a keen fan, not a script
    max_every_cap(tiktok, clock, "keen", keen)
    scan(clock, streams)
    assert raised(ops, "points_farming") == ([("user", level)] if level else [])


def test_points_far_above_the_peers_raise_points_farming_and_a_keen_fan_under_the_floor_does_not(
    api, clock, streams, ops, tiktok, monkeypatch
):
    monkeypatch.setenv("ENGAGEMENT_RULES", json.dumps({"daily_caps": {**CAPS, "liked": 1000}}))  # a cap set too high
    get_settings.cache_clear()
    try:
        for n in range(30):
            check_in(api, f"peer-{n}")
        tiktok.link("keen", "tt-keen")
        for n in range(150):
            engage(tiktok, clock, "tt-keen", "liked", f"c-{n}")
        scan(clock, streams)
        assert raised(ops, "points_farming") == []  # 150 points: far above the peers' 10, but under the floor
        tiktok.link("farmer", "tt-farmer")
        for n in range(250):
            engage(tiktok, clock, "tt-farmer", "liked", f"c-{n}")
        scan(clock, streams)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert raised(ops, "points_farming") == [("user", "warning")]
    [message] = [m for m in ops.received() if m["rule"] == "points_farming"]
    evidence = message["evidence"]
    assert evidence["peers"] == 32 and evidence["far_above_peers"] == 1
    assert [(fan["fan_id"], fan["reasons"]) for fan in evidence["fans"]["items"]] == [("farmer", ["far_above_peers"])]


def test_the_peers_histogram_holds_each_earner_once_in_the_bin_of_its_day_total(api, clock, streams, tiktok):
    for n in range(3):
        check_in(api, f"fan-{n}")  # 10 points each
    tiktok.link("fan-0", "tt-0")
    engage(tiktok, clock, "tt-0", "shared", "c-1")  # fan-0 moves from 10 to 15 points
    streams.drain()
    day = days.local_day(clock.now, get_settings().community_time_zone).isoformat()
    histogram = user_signals.histogram(counters.totals(user_signals.peers_bucket(day)))
    assert histogram == {peers.bin_of(10): 2, peers.bin_of(15): 1}
    items = list(CounterModel.query(user_signals.peers_bucket(day)))
    expected = datetime.fromisoformat(f"{day}T00:00:00+00:00") + user_signals.PEERS_KEPT
    assert items and all(item.ttl == expected for item in items)  # reclaimed days after: the scan reads today's


# Check-in rings


@pytest.mark.parametrize(("accounts", "level"), [(8, "warning"), (7, None)])
def test_new_accounts_checking_in_together_raise_a_check_in_ring_from_eight(api, clock, streams, ops, accounts, level):
    for n in range(accounts):
        check_in(api, f"ring-{n}")
        clock.now += 5 * SECONDS
    scan(clock, streams)
    assert raised(ops, "checkin_rings") == ([("user", level)] if level else [])


def test_new_accounts_checking_in_together_that_go_on_to_engage_are_no_ring(api, clock, streams, ops, tiktok):
    for n in range(8):
        check_in(api, f"fan-{n}")
        clock.now += 5 * SECONDS
    for n in range(8):
        tiktok.link(f"fan-{n}", f"tt-{n}")
        engage(tiktok, clock, f"tt-{n}", "liked", "live-show")
    scan(clock, streams)
    assert raised(ops, "checkin_rings") == []


def test_new_accounts_checking_in_spread_over_the_day_are_no_ring(api, clock, streams, ops):
    for n in range(12):
        check_in(api, f"fan-{n}")
        clock.now += 7 * MINUTES
    scan(clock, streams)
    assert raised(ops, "checkin_rings") == []


def test_a_ring_repeating_on_the_next_day_is_activated(api, clock, streams, ops):
    for _ in range(2):
        for n in range(8):
            check_in(api, f"ring-{n}")
            clock.now += 2 * SECONDS
        scan(clock, streams)
        clock.now += timedelta(days=1) - MINUTES - 16 * SECONDS
    levels = [m["level"] for m in ops.received() if m["rule"] == "checkin_rings"]
    assert levels == ["warning", "activate"]


def test_a_warm_scan_rereads_only_the_newcomer_hours_not_settled_and_sees_later_actions(
    api, clock, streams, tiktok
):
    """Newcomers are filed by the hour they acted: an hour long past is read once per process; a ring account
    that acts otherwise hours later is no ring account any more, though its check-in hour was remembered."""
    for n in range(8):
        check_in(api, f"ring-{n}")
        clock.now += 2 * SECONDS
    clock.now += timedelta(hours=3)
    streams.drain()
    assert risk_scan.scan(clock.now).levels.get("checkin_rings") == 1
    queried: list[str] = []

    def counted(model, params, **_):
        if model.name == "Query" and user_records.NEWCOMERS in str(params["body"]):
            queried.append(str(params["body"]))

    for n in range(8):
        tiktok.link(f"ring-{n}", f"tt-{n}")
        engage(tiktok, clock, f"tt-{n}", "liked", "live-show")
    streams.drain()
    clock.now += 5 * MINUTES
    connection.register_hook("before-call.dynamodb", counted)
    try:
        scanned = risk_scan.scan(clock.now)
    finally:
        connection.unregister_hook("before-call.dynamodb", counted)
    assert len(queried) == 2  # this hour and the last; the 8 days before from memory
    assert "checkin_rings" not in scanned.levels


# Redemption farming


def scarce(api, stock=20):
    body = reward_body(cost=10, stock_remaining=stock)
    assert api.call("PUT", "/v1/admin/rewards/signed-cd", who="ops", admin=True, body=body).status_code in (200, 201)


@pytest.mark.parametrize(("farmers", "level"), [(5, "warning"), (4, None)])
def test_new_accounts_redeeming_the_same_scarce_reward_raise_redemption_farming(
    api, clock, streams, ops, farmers, level
):
    scarce(api)
    for n in range(farmers):
        check_in(api, f"puppet-{n}")
        redeem(api, f"puppet-{n}", "signed-cd")
    scan(clock, streams)
    assert raised(ops, "redemption_farming") == ([("user", level)] if level else [])


def test_a_popular_drop_that_new_fans_join_too_stays_quiet(api, clock, streams, ops):
    for n in range(20):
        check_in(api, f"regular-{n}")
    streams.drain()
    clock.now += timedelta(days=8)  # the regulars are no longer new
    scarce(api, stock=60)
    for n in range(20):
        check_in(api, f"regular-{n}")
        redeem(api, f"regular-{n}", "signed-cd")
    for n in range(5):
        check_in(api, f"new-{n}")
        redeem(api, f"new-{n}", "signed-cd")  # 5 of 25 redeemers: under the 25% share
    scan(clock, streams)
    assert raised(ops, "redemption_farming") == []


def test_new_accounts_redeeming_a_plentiful_reward_stay_quiet(api, clock, streams, ops):
    scarce(api, stock=500)
    for n in range(6):
        check_in(api, f"new-{n}")
        redeem(api, f"new-{n}", "signed-cd")
    scan(clock, streams)
    assert raised(ops, "redemption_farming") == []


# Exactly once, and the cost per stream record


def records():
    return sorted(
        (item["bucket"]["S"], item["slot"]["S"], json.dumps(item, sort_keys=True))
        for item in boto3.client("dynamodb", region_name=get_settings().region).scan(
            TableName=get_settings().table_name("counters")
        )["Items"]
        if item["bucket"]["S"] != counters.CHECKPOINT
    )


def test_stream_batches_delivered_again_count_and_record_nothing_twice(api, clock, streams, tiktok):
    for n in range(3):
        max_every_cap(tiktok, clock, f"farm-{n}")
        check_in(api, f"farm-{n}")
    streams.drain()
    before = records()
    assert any(bucket.startswith(user_records.SUSPECTS) for bucket, _, _ in before)
    assert any(bucket.startswith(user_records.NEWCOMERS) for bucket, _, _ in before)
    streams.pump._after.clear()  # the mapping recreated: every record delivered again
    streams.drain()
    assert records() == before


def test_the_user_rules_cost_well_under_one_request_per_stream_record(api, clock, streams, tiktok):
    for n in range(20):
        max_every_cap(tiktok, clock, f"fan-{n}")
    calls: list[str] = []

    def counted(model, params, **_):
        calls.append(model.name)

    connection.register_hook("before-call.dynamodb", counted)
    try:
        deliveries = streams.pump.drain()
    finally:
        connection.unregister_hook("before-call.dynamodb", counted)
    fan_records = sum(len(d.sequence_numbers) for d in deliveries if d.handler == "fans_stream")
    all_records = sum(len(d.sequence_numbers) for d in deliveries)
    assert fan_records >= 180  # 20 fans: a link and 9 engagements each
    assert len(calls) == 2 * len(deliveries)  # a checkpoint read and one transaction per batch, all tables
    assert len(calls) / all_records < 0.05
