"""Outgoing domain events: derived from the tables' streams, on the bus once per change, with stable ids.

The streams are fed to the app's own stream handlers by `streams.drain()` (Lambda's mappings, run on
demand); what it returns is what the bus delivered to a queue. Every published event is also checked
against its documented schema (tests/events.py, for every test).
"""

from datetime import timedelta
from typing import Any

from chalicelib.messaging import bus
from tests.support import payload, reward_body, run_job

DAY = timedelta(days=1)


def check_in(api, fan):
    assert api.call("POST", "/v1/checkins", who=fan).status_code == 201


def redeem(api, fan_id, reward_id, key):
    response = api.call("POST", "/v1/redemptions", who=fan_id, key=key, body={"reward_id": reward_id})
    assert response.status_code == 201, response.body
    return payload(response)


def summary(events):
    """(detail type, fan, the change) per event, without the id and instant: what a reader compares."""
    common = {"event_id", "fan_id", "occurred_at"}
    return [
        (e["detail-type"], e["detail"]["fan_id"], {k: v for k, v in e["detail"].items() if k not in common})
        for e in events
    ]


def test_tier_changes_and_the_downgrade_warning_are_announced_once(api, clock, streams):
    check_in(api, "fan-a")
    check_in(api, "fan-b")
    streams.drain()  # the check-ins themselves announce nothing
    run_job(api, "recalculate-tiers", "t1")  # 2026-11-22: both ranked head (tied)
    promoted = streams.drain()
    assert sorted(summary(promoted), key=lambda s: s[1]) == [
        ("TierChanged", "fan-a", {"from": "silent", "to": "head", "direction": "promoted", "since": "2026-11-22"}),
        ("TierChanged", "fan-b", {"from": "silent", "to": "head", "direction": "promoted", "since": "2026-11-22"}),
    ]
    run_job(api, "recalculate-tiers", "t2")  # the same day again: nothing written, nothing announced
    assert streams.drain() == []
    for _ in range(2):  # fan-b keeps acting; fan-a's score decays
        clock.now += DAY
        check_in(api, "fan-b")
    assert streams.drain() == []  # a write that moves no tier or stage is no event
    run_job(api, "recalculate-tiers", "t3")  # 2026-11-24, a week before the monthly run
    [warning] = streams.drain()
    assert summary([warning]) == [
        ("TierDowngradeWarning", "fan-a", {"tier": "head", "to": "active", "on": "2026-12-01"}),
    ]
    clock.now += 7 * DAY
    run_job(api, "recalculate-tiers", "t4")  # 2026-12-01: the monthly run demotes the warned fan
    assert summary(streams.drain()) == [
        ("TierChanged", "fan-a", {"from": "head", "to": "active", "direction": "demoted", "since": "2026-12-01"}),
    ]
    ids = [e["detail"]["event_id"] for e in [*promoted, warning]]
    assert len(set(ids)) == 3


def test_stage_changes_are_announced_and_a_return_is_a_resurrection(api, clock, streams):
    for _ in range(4):
        check_in(api, "fan-p")
        clock.now += DAY
    check_in(api, "fan-i")
    run_job(api, "update-lifecycle", "l1")
    assert sorted(summary(streams.drain()), key=lambda s: s[1]) == [
        (
            "LifecycleStageChanged",
            "fan-i",
            {"from": "awareness", "to": "interest", "at_risk": False, "resurrected": False},
        ),
        (
            "LifecycleStageChanged",
            "fan-p",
            {"from": "awareness", "to": "participation", "at_risk": False, "resurrected": False},
        ),
    ]
    run_job(api, "update-lifecycle", "l2")
    assert streams.drain() == []
    clock.now += 31 * DAY
    run_job(api, "update-lifecycle", "l3")
    assert {s[1]: s[2]["to"] for s in summary(streams.drain())} == {"fan-i": "churned", "fan-p": "churned"}
    check_in(api, "fan-i")
    run_job(api, "update-lifecycle", "l4")
    assert summary(streams.drain()) == [
        (
            "LifecycleStageChanged",
            "fan-i",
            {"from": "churned", "to": "interest", "at_risk": False, "resurrected": True},
        ),
    ]


def test_points_expiring_30_and_7_days_ahead_then_expired(api, clock, streams):
    check_in(api, "fan-e")  # 10 points earned in 2026-11 (Asia/Shanghai): spendable through 2027-11-30
    start = clock.now
    clock.now = start.replace(year=2027, month=10, day=31)
    run_job(api, "expire-points", "e1")
    [notice] = streams.drain()
    assert summary([notice]) == [
        ("PointsExpiring", "fan-e", {"month": "2026-11", "points": 10, "expires_on": "2027-11-30", "days_ahead": 30}),
    ]
    run_job(api, "expire-points", "e2")  # the same day again: recorded already, so nothing is written
    clock.now += DAY
    run_job(api, "expire-points", "e3")  # a day later: no notice is due
    assert streams.drain() == []
    clock.now = start.replace(year=2027, month=11, day=23)
    run_job(api, "expire-points", "e4")
    assert [e["detail"]["days_ahead"] for e in streams.drain()] == [7]
    clock.now = start.replace(year=2027, month=12, day=1)
    run_job(api, "expire-points", "e5")
    [expired] = streams.drain()
    entry = payload(api.call("GET", "/v1/me/ledger", who="fan-e"))["items"][0]
    assert summary([expired]) == [
        (
            "PointsExpired",
            "fan-e",
            {"month": "2026-11", "points": 10, "balance_after": 0, "entry_id": entry["entry_id"]},
        )
    ]
    assert expired["detail"]["occurred_at"] == "2027-12-01T04:00:00.000Z"  # the entry's instant
    run_job(api, "expire-points", "e6")
    assert streams.drain() == []


def test_a_redemption_through_the_route_is_confirmed_and_its_cancellation_is_not(api, clock, streams):
    assert api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=5)).status_code == 201
    check_in(api, "fan-r")
    redemption = redeem(api, "fan-r", "pin", "k1")
    redeem(api, "fan-r", "pin", "k1")  # a replay: the same redemption, no second event
    [confirmed] = streams.drain()
    assert confirmed["source"] == "fan-engagement" and confirmed["detail-type"] == "RedemptionConfirmed"
    assert summary([confirmed])[0][2] == {
        "redemption_id": redemption["redemption_id"],
        "reward_id": "pin",
        "quantity": 1,
        "points_spent": 5,
        "balance_after": 5,
    }
    assert confirmed["detail"]["occurred_at"] == "2026-11-22T04:00:00.000Z"
    cancel = f"/v1/admin/redemptions/{redemption['redemption_id']}/cancel"
    assert api.call("POST", cancel, who="ops", admin=True, key="c1").status_code == 200
    assert streams.drain() == []


def test_a_redelivered_batch_publishes_the_same_event_ids(api, streams):
    delivered: list[tuple[str, dict[str, Any]]] = []
    invoke = streams.pump.invoke

    def recording(name, event):
        delivered.append((name, event))
        return invoke(name, event)

    streams.pump.invoke = recording
    assert api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=0)).status_code == 201
    for n in range(3):
        redeem(api, f"fan-{n}", "pin", f"k{n}")
    first = streams.drain()
    for name, event in delivered:  # Lambda may deliver a batch again, even after it succeeded
        assert streams.invoke(name, event) == {"batchItemFailures": []}
    second = streams.drain()
    ids = [e["detail"]["event_id"] for e in first]
    assert len(first) == 3 and [e["detail"]["event_id"] for e in second] == ids
    seen = {e["detail"]["event_id"]: e["detail"] for e in [*first, *second]}  # a consumer deduplicating by id
    assert len(seen) == 3


class FailingBus:
    """The real (moto) client, except that entries for `refused` fans come back with an ErrorCode."""

    def __init__(self, real, refused=(), down=False):
        self.real, self.refused, self.down, self.calls = real, set(refused), down, []

    def put_events(self, Entries):
        self.calls.append(len(Entries))
        if self.down:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="https://events.us-east-1.amazonaws.com")
        accepted = [e for e in Entries if _fan(e) not in self.refused]
        results = iter(self.real.put_events(Entries=accepted)["Entries"] if accepted else [])
        entries = [
            {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"} if _fan(e) in self.refused else next(results)
            for e in Entries
        ]
        return {"FailedEntryCount": len(Entries) - len(accepted), "Entries": entries}


def _fan(entry):
    import json

    return json.loads(entry["Detail"])["fan_id"]


def test_an_entry_the_bus_refuses_fails_only_its_record_and_is_published_on_redelivery(api, streams, monkeypatch):
    failing = FailingBus(bus._client(), refused={"fan-x"})
    monkeypatch.setattr(bus, "_client", lambda: failing)
    assert api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=0)).status_code == 201
    for fan in ("fan-w", "fan-x", "fan-y"):
        redeem(api, fan, "pin", f"k-{fan}")
    deliveries = [d for d in streams.pump.pump() if d.handler == "redemptions_stream"]
    [batch] = deliveries
    assert batch.failed == (batch.sequence_numbers[1],)  # fan-x's record, and only it
    assert [e["detail"]["fan_id"] for e in streams.received()] == ["fan-w", "fan-y"]
    failing.refused.clear()  # the bus recovers: the mapping delivers again from fan-x's record
    again = streams.drain()
    assert [e["detail"]["fan_id"] for e in again] == ["fan-x", "fan-y"]  # fan-y again, with the same id
    assert streams.pump.given_up == []


def test_a_bus_that_stays_down_fails_every_record_until_the_mapping_gives_up(api, streams, monkeypatch):
    failing = FailingBus(bus._client(), down=True)
    monkeypatch.setattr(bus, "_client", lambda: failing)
    assert api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=0)).status_code == 201
    redeem(api, "fan-z", "pin", "k")
    [batch] = [d for d in streams.pump.pump() if d.handler == "redemptions_stream"]
    assert batch.failed == batch.sequence_numbers
    assert streams.drain() == []  # delivered again until the mapping gives up
    assert [seq for _, seq in streams.pump.given_up] == list(batch.sequence_numbers)  # deployed: the failure queue


def test_events_go_out_ten_to_a_put_events_call(api, streams, monkeypatch):
    counting = FailingBus(bus._client())
    monkeypatch.setattr(bus, "_client", lambda: counting)
    stock = reward_body(cost=0, stock_remaining=20)
    assert api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=stock).status_code == 201
    for n in range(12):
        redeem(api, f"fan-{n:02d}", "pin", f"k{n}")
    assert len(streams.drain()) == 12
    assert counting.calls == [10, 2]


def test_a_record_that_cannot_be_decoded_fails_alone(api, streams):
    check_in(api, "fan-a")
    streams.drain()
    run_job(api, "recalculate-tiers", "t1")
    delivered: list[dict[str, Any]] = []
    invoke = streams.pump.invoke
    streams.pump.invoke = lambda name, event: delivered.append(event) or invoke(name, event)
    streams.drain()
    [event] = [e for e in delivered if e["Records"][0]["eventSourceARN"].split("/")[1] == "test-fans"]
    good = event["Records"][-1]
    poison = {**good, "dynamodb": {**good["dynamodb"], "SequenceNumber": "1", "NewImage": {"fan_id": {"S": "x"}}}}
    response = streams.invoke("fans_stream", {"Records": [poison, good]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert [e["detail-type"] for e in streams.drain()] == ["TierChanged"]  # the good record's, again
