"""A job run with fans' check-ins, webhooks, adjustments and redemptions landing in between (serialised moto).

The job writes through the same versioned path as every request, so neither side can lose the
other's change; expiry happens once per fan and month, and every balance equals its ledger sum.
"""

from datetime import timedelta

from chalicelib.domain.jobs import scheduled_run_id
from chalicelib.services import jobs
from tests.concurrency.support import run_concurrently
from tests.support import Platform, ledger_entries, ledger_sum, payload, reward_body

FANS = [f"fan-{n:02d}" for n in range(24)]
ADJUST, PIN = {"delta": 7, "reason": "race"}, {"reward_id": "pin"}


def test_expiry_and_lifecycle_runs_lose_nothing_to_concurrent_fan_writes(api, clock):
    tiktok = Platform(api)
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=5, stock_remaining=1000))
    for fan in FANS:
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201  # 10 points in 2026-11
        tiktok.link(fan, f"tt-{fan}")
    clock.now += timedelta(days=400)  # 2027-12-27: the 2026-11 points ended on 2027-11-30

    def run(job):
        return lambda: jobs.run_in_process(jobs.start(job, scheduled_run_id(clock.now.date()), "schedule", clock.now))

    fan_calls, redeemed_at = [], {}
    for n, fan in enumerate(FANS):
        fan_calls.append(lambda f=fan: api.call("POST", "/v1/checkins", who=f))
        fan_calls.append(lambda f=fan: tiktok.engage("shared", f"tt-{f}", f"c-{f}", clock.now))
        fan_calls.append(
            lambda f=fan: api.call("POST", f"/v1/admin/fans/{f}/adjustments", who="ops", admin=True, key=f, body=ADJUST)
        )
        if n % 2:
            redeemed_at[fan] = 2 + len(fan_calls)
            fan_calls.append(lambda f=fan: api.call("POST", "/v1/redemptions", who=f, key="r", body=PIN))
    results = run_concurrently([run("expire-points"), run("update-lifecycle"), *fan_calls], workers=8)
    assert results[0].status == results[1].status == "succeeded"

    for fan in FANS:
        history = ledger_entries(api, fan)
        kinds = sorted(e["kind"] for e in history)
        redemption = results[redeemed_at[fan]] if fan in redeemed_at else None
        if redemption is not None and redemption.status_code != 201:  # expiry and the spend landed first
            assert redemption.status_code == 409 and payload(redemption)["code"] == "insufficient_points"
        spent = 5 if redemption is not None and redemption.status_code == 201 else 0
        expected = ["adjustment", "checkin", "checkin", "engagement", "expiry"] + (["redemption"] if spent else [])
        assert kinds == sorted(expected), (fan, kinds)  # nothing lost, one expiry
        expired = -next(e["delta"] for e in history if e["kind"] == "expiry")
        # spending takes the oldest points first, so a redemption that landed first leaves less to expire
        assert expired in ({10, 5} if spent else {10}), (fan, expired)
        balance = payload(api.call("GET", "/v1/me", who=fan))["balance"]
        assert balance == ledger_sum(api, fan) == 10 + 10 + 5 + 7 - spent - expired
    again = jobs.run_in_process(jobs.start("expire-points", "again", "operator", clock.now))
    assert again.summary.get("expired", 0) == 0  # nothing expires twice
