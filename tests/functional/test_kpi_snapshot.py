"""The kpi-snapshot job end to end: API traffic, the stream counters, the job, the stored snapshot and the route.

The community zone is Asia/Shanghai (UTC+8). The clock starts at 12:00 local on 22 Nov 2026; a
check-in at 00:30 local on 23 Nov is still 22 Nov in UTC but belongs to the snapshot of 23 Nov.
"""

import json
from datetime import timedelta

import pytest

from tests.support import Platform, payload, reward_body, tick

MINUTES = timedelta(minutes=1)
DAY = "2026-11-22"


def check_in(api, fan):
    assert api.call("POST", "/v1/checkins", who=fan).status_code == 201


def adjust(api, fan, delta, key):
    body = {"delta": delta, "reason": "goodwill"}
    adjusted = api.call("POST", f"/v1/admin/fans/{fan}/adjustments", who="ops", admin=True, key=key, body=body)
    assert adjusted.status_code == 201


def kpis(api, first, last, who="ops", admin=True):
    return api.call("GET", f"/v1/admin/kpis?from={first}&to={last}", who=who, admin=admin)


def operator_run(api, key, body):
    return api.call("POST", "/v1/admin/jobs/kpi-snapshot", who="ops", admin=True, key=key, body=body)


@pytest.fixture
def traffic(api, clock, streams):
    """22 Nov (local): a, b, c, d check in; c likes a video; a gets 40 points and redeems a 30-point poster.
    00:30 on 23 Nov (local): b checks in again and e for the first time. Streams drained: counters kept."""
    assert api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body()).status_code == 201
    for fan in ("fan-a", "fan-b", "fan-c"):
        check_in(api, fan)
    Platform(api).link("fan-c", "tt-c")
    Platform(api).engage("liked", "tt-c", "video-1", clock.now)
    adjust(api, "fan-a", 40, "adj-1")
    redeemed = api.call("POST", "/v1/redemptions", who="fan-a", key="r-1", body={"reward_id": "poster"})
    assert redeemed.status_code == 201
    clock.now += timedelta(hours=11, minutes=30)  # 23:30 local
    check_in(api, "fan-d")
    clock.now += 60 * MINUTES  # 00:30 on 23 Nov local, 16:30 on 22 Nov in UTC
    check_in(api, "fan-b")
    check_in(api, "fan-e")
    streams.drain()
    return api


def test_the_scheduled_run_snapshots_the_previous_community_day_against_hand_computed_values(traffic, clock, capsys):
    api = traffic
    clock.now += 90 * MINUTES  # 02:00 local on 23 Nov: the day's kpi-snapshot is due
    capsys.readouterr()
    ticked = {t["job"]: t for t in tick(api)}
    assert ticked["kpi-snapshot"]["run_id"] == "2026-11-23" and ticked["kpi-snapshot"]["status"] == "succeeded"
    [item] = payload(kpis(api, "2026-11-21", "2026-11-23"))["items"]
    assert item["day"] == DAY
    assert (item["fans_total"], item["new_fans"], item["dau"], item["wau"], item["mau"]) == (4, 4, 4, 4, 4)
    assert item["interactions"] == {
        "total": 6,
        "by_kind": {"checkin": 4, "commented": 0, "liked": 1, "published": 0, "redemption": 1, "shared": 0},
    }
    assert item["interaction_depth"] == {"value": 1.5, "numerator": 6, "denominator": 4}
    assert item["stickiness"] == {"value": 1.0, "numerator": 4, "denominator": 4}
    assert item["interaction_rate"] == {"value": 1.0, "numerator": 4, "denominator": 4}
    assert item["redemption_conversion"] == {"value": 0.25, "numerator": 1, "denominator": 4}
    assert item["retention_d1"] == {"value": None, "numerator": 0, "denominator": 0}  # nobody first seen on 21 Nov
    # earned: four check-ins (40), the like (1) and the adjustment (40); spent: the poster
    points = (item["points_earned"], item["points_spent"], item["points_expired"], item["points_reversed"])
    assert points == (81, 30, 0, 0)
    # as of the scan, minutes after the day: b's check-in of 23 Nov is in its balance, e is not known on 22 Nov
    assert item["points_outstanding"] == 20 + 20 + 11 + 10
    assert sum(item["tiers"].values()) == sum(item["lifecycle"].values()) == 4
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"Kpi.dau"' in line]
    assert [blob["Kpi.dau"] for blob in emitted] == [[4.0]]  # one snapshot, one value
    assert emitted[0]["Kpi.stickiness"] == [1.0] and emitted[0]["Kpi.interactions.liked"] == [1.0]
    assert emitted[0]["_aws"]["Timestamp"] == int(clock.now.replace(hour=4, minute=0, day=22).timestamp() * 1000)
    assert "Kpi.retention_d1" not in emitted[0]  # a ratio over nothing has no value to plot


def test_an_operator_recomputes_a_past_day_and_a_rerun_writes_the_same_item(traffic, clock):
    api = traffic
    clock.now += timedelta(days=2)  # 25 Nov local
    started = operator_run(api, "recompute-23", {"day": "2026-11-23"})
    assert started.status_code == 202 and payload(started)["status"] == "succeeded"
    [item] = payload(kpis(api, "2026-11-23", "2026-11-23"))["items"]
    assert (item["fans_total"], item["new_fans"], item["dau"], item["wau"]) == (5, 1, 2, 5)
    assert item["retention_d1"] == {"value": 0.25, "numerator": 1, "denominator": 4}  # of a-d, b came back
    assert item["interactions"]["total"] == 2 and item["points_earned"] == 20
    again = operator_run(api, "recompute-23-again", {"day": "2026-11-23"})
    assert payload(again)["run_id"] != payload(started)["run_id"]
    assert payload(kpis(api, "2026-11-23", "2026-11-23"))["items"] == [item]


def test_the_day_an_operator_asks_for_is_checked(api, clock):
    today = "2026-11-22"  # 12:00 local: not over
    for body, field in (
        ({"day": today}, "day"),
        ({"day": "2026-09-19"}, "day"),  # 64 days back: beyond the activity masks
        ({"day": "22-11-2026"}, "day"),
        ({"day": "2026-11-21", "days": 1}, "body"),  # an unknown field
    ):
        refused = operator_run(api, f"bad-{field}-{body['day']}-{len(body)}", body)
        assert refused.status_code == 400, body
        assert payload(refused)["errors"][0]["field"] == field
    tiers = api.call(
        "POST", "/v1/admin/jobs/recalculate-tiers", who="ops", admin=True, key="t", body={"day": "2026-11-21"}
    )
    assert tiers.status_code == 400 and payload(tiers)["errors"][0]["field"] == "day"
    oldest = operator_run(api, "oldest", {"day": "2026-09-20"})  # 63 days back: still recomputable
    assert oldest.status_code == 202


def test_the_kpis_route_refuses_bad_ranges_and_non_operators(api):
    assert payload(kpis(api, "2026-11-01", "2026-11-30")) == {"items": []}
    for query, field in (
        ("from=2026-11-01", "to"),
        ("to=2026-11-01", "from"),
        ("from=20261101&to=2026-11-02", "from"),
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("from=2026-11-02&to=2026-11-01", "to"),
        ("from=2025-11-01&to=2026-11-02", "to"),  # 367 days
    ):
        refused = api.call("GET", f"/v1/admin/kpis?{query}", who="ops", admin=True)
        assert refused.status_code == 400 and refused.headers["Content-Type"] == "application/problem+json"
        assert payload(refused)["errors"][0]["field"] == field, query
    assert kpis(api, "2025-11-02", "2026-11-02").status_code == 200  # 366 days
    assert kpis(api, "2026-11-01", "2026-11-02", who="fan-a", admin=False).status_code == 403
    assert api.call("GET", "/v1/admin/kpis?from=2026-11-01&to=2026-11-02").status_code == 401


def test_a_queued_run_with_every_segment_message_three_times_counts_each_fan_once(traffic, clock, job_queue):
    """Deployed shape: the workers tally segments from the queue; copies of done segments only repeat the join."""
    api = traffic
    clock.now += 90 * MINUTES
    started = operator_run(api, "queued", {"day": DAY})
    assert payload(started)["status"] == "running"
    bodies = [m["Body"] for m in job_queue.receive(10)]
    assert len(bodies) == 4  # JOB_SEGMENTS measure messages, nothing else: there is no apply phase
    job_queue.send(*bodies, *bodies)
    job_queue.drain(api)
    path = f"/v1/admin/jobs/kpi-snapshot/runs/{payload(started)['run_id']}"
    run = payload(api.call("GET", path, who="ops", admin=True))
    assert run["status"] == "succeeded" and run["summary"]["fans_total"] == 4 and run["summary"]["dau"] == 4
    [item] = payload(kpis(api, DAY, DAY))["items"]
    assert (item["fans_total"], item["dau"], item["interactions"]["total"]) == (4, 4, 6)
