"""The risk scan end to end: traffic through the API and webhooks, the stream handlers, then the scan on the
test clock, and what reaches the ops topic (category, level), or nothing on a near-miss."""

import base64
import threading
from datetime import timedelta

import pytest

from chalicelib.persistence import flag_records
from chalicelib.services import risk_scan
from tests.alert_support import Subscriber
from tests.support import deliver, reward_body, scheduled_event

MINUTES = timedelta(minutes=1)


@pytest.fixture
def ops(aws):
    return Subscriber()


@pytest.fixture(autouse=True)
def new_process(monkeypatch):
    """Each test is a fresh process for the rejection tally (the moto tables are fresh too)."""
    from chalicelib.services import rejections

    monkeypatch.setattr(rejections, "_written", {})


def flag(api, content_id, reason, severity="medium"):
    data = {"content_id": content_id, "reason": reason, "severity": severity}
    assert deliver(api, "content.flagged", data).status_code == 202


def raised(ops, rule):
    return [m for m in ops.received() if m["rule"] == rule and m["notification"] in ("raised", "escalated")]


def test_a_legal_flag_raises_a_compliance_alert_at_its_severity(api, clock, ops):
    flag(api, "vid-1", "DMCA takedown notice", severity="high")
    clock.now += MINUTES
    risk_scan.scan(clock.now)
    [message] = raised(ops, "legal_flags")
    assert (message["category"], message["level"]) == ("compliance", "escalate")
    assert "vid-1" in str(message["evidence"])


def test_a_day_of_flags_over_is_read_once_and_its_flags_still_count(api, clock, ops, monkeypatch):
    clock.now = clock.now.replace(hour=23, minute=50)
    flag(api, "vid-1", "DMCA takedown notice", severity="high")
    reads: list[str] = []
    of_day = flag_records.of_day

    def counted(day, since=None):
        reads.append(day.isoformat())
        return of_day(day, since)

    monkeypatch.setattr(flag_records, "of_day", counted)
    clock.now += timedelta(minutes=40)  # 00:30 UTC: yesterday's flags are all in
    for _ in range(3):
        assert risk_scan.scan(clock.now).levels.get("legal_flags") == 1  # yesterday's flag still seen
        clock.now += timedelta(minutes=5)
    yesterday, today = (clock.now - timedelta(days=1)).date().isoformat(), clock.now.date().isoformat()
    assert reads.count(yesterday) == 1 and reads.count(today) == 3


def test_a_flag_for_a_reason_that_only_looks_legal_stays_quiet(api, clock, ops):
    flag(api, "vid-1", "lawful but spammy")
    clock.now += MINUTES
    risk_scan.scan(clock.now)
    assert ops.received() == []


@pytest.mark.parametrize(("flags", "alerted"), [(15, True), (14, False)])
def test_a_surge_of_flags_raises_a_content_alert_and_one_fewer_does_not(api, clock, ops, flags, alerted):
    """Two minutes apart, never 4 in 5 minutes: the 30-minute window decides (the 5-minute one: test_risk_rules)."""
    for n in range(flags):
        flag(api, f"vid-{n}", "spam")
        clock.now += 2 * MINUTES
    risk_scan.scan(clock.now)
    found = raised(ops, "flagged_content_surge")
    assert [(m["category"], m["level"]) for m in found] == ([("content", "warning")] if alerted else [])


def forged(api, n):
    body = b'{"type": "content.flagged", "data": {}}'
    bad = "v1," + base64.b64encode(b"x" * 32).decode()
    headers = {"webhook-id": f"msg_forged_{n}", "webhook-timestamp": str(int(api_now(api))), "webhook-signature": bad}
    response = api.client.http.request(
        "POST", "/v1/webhooks/tiktok", headers={"Content-Type": "application/json", **headers}, body=body
    )
    assert response.status_code == 401


def api_now(api):
    from chalicelib import clock

    return clock.now().timestamp()


@pytest.mark.parametrize(("rejected", "alerted"), [(20, True), (19, False)])
def test_a_burst_of_rejected_signatures_raises_a_technical_alert(api, clock, ops, rejected, alerted):
    for n in range(rejected):
        forged(api, n)
    clock.now += MINUTES
    risk_scan.scan(clock.now)
    found = raised(ops, "webhook_signatures")
    assert [(m["category"], m["level"]) for m in found] == ([("technical", "warning")] if alerted else [])


def test_rejections_per_process_and_slot_are_capped(api, clock, monkeypatch):
    from chalicelib.persistence import counters
    from chalicelib.services import rejections

    writes = []
    monkeypatch.setattr(rejections, "CAP", 3)
    monkeypatch.setattr(counters, "bump", lambda *args: writes.append(args))
    for n in range(5):
        forged(api, n)
    assert len(writes) == 3


def redeem(api, fan, reward_id, key):
    response = api.call("POST", "/v1/redemptions", who=fan, key=key, body={"reward_id": reward_id, "quantity": 1})
    assert response.status_code == 201, response.body


@pytest.mark.parametrize(("stock", "alerted"), [(10, True), (2000, False)])  # 6 in an hour: 144 a day
def test_a_reward_selling_fast_raises_an_operations_alert(api, clock, ops, streams, stock, alerted):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=1, stock_remaining=stock))
    for n in range(6):
        fan = f"fan-{n}"
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
        redeem(api, fan, "poster", f"key-{n}")
    streams.drain()
    clock.now += MINUTES
    risk_scan.scan(clock.now)
    found = raised(ops, "stock_out")
    assert [(m["category"], m["level"]) for m in found] == ([("operations", "activate")] if alerted else [])


def test_two_scans_at_once_publish_once(api, clock, ops):
    flag(api, "vid-1", "copyright claim", severity="low")
    clock.now += MINUTES
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        risk_scan.scan(clock.now)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(m["rule"], m["level"]) for m in ops.received()] == [("legal_flags", "warning")]
    risk_scan.scan(clock.now + 5 * MINUTES)
    assert len(ops.received()) == 1  # the same hit again decides nothing


def test_the_schedule_runs_the_scan_on_the_app_clock(api, clock, ops):
    flag(api, "vid-1", "privacy_violation", severity="medium")
    clock.now += MINUTES
    summary = api.client.lambda_.invoke("risk_scan", scheduled_event(api)).payload
    assert summary["levels"] == {"legal_flags": 1}
    assert [(m["category"], m["level"]) for m in raised(ops, "legal_flags")] == [("compliance", "activate")]


def test_baseline_traffic_is_quiet(api, clock, ops, streams):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=1, stock_remaining=500))
    for n in range(10):
        assert api.call("POST", "/v1/checkins", who=f"fan-{n}").status_code == 201
        clock.now += 3 * MINUTES
    redeem(api, "fan-0", "poster", "key-0")
    flag(api, "vid-1", "spam", severity="low")
    streams.drain()
    for _ in range(3):
        clock.now += 5 * MINUTES
        risk_scan.scan(clock.now)
    assert ops.received() == []
