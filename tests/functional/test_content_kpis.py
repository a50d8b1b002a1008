"""Content KPIs from the webhook deliveries' stream: likes, comments, shares and views received, per community day.

The community zone is Asia/Shanghai (UTC+8); the clock starts at 12:00 local on 22 Nov 2026. Each
engagement is filed under the community day of its own `occurred_at`, linked user or not, earning or not.
"""

from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.kpis import counting
from chalicelib.persistence import counters
from tests.support import Platform, deliver, payload

SHANGHAI_MIDNIGHT_23 = datetime.fromisoformat("2026-11-23T00:00:00+08:00").astimezone(UTC)


def view(platform: Platform, user: str, content: str, at: datetime, completion: float | None) -> None:
    data: dict[str, object] = {"content_id": content, "external_user_id": user, "occurred_at": at.isoformat()}
    if completion is not None:
        data["completion"] = completion
    platform.send("engagement.viewed", data)


def day_totals(day: date) -> dict[str, int]:
    return counters.totals(counting.day_bucket(day))


def test_engagements_received_are_counted_once_in_the_day_of_their_own_instant(api, clock, streams):
    platform = Platform(api)
    platform.link("fan-c", "tt-c")
    now = clock.now
    platform.engage("liked", "tt-c", "video-1", now)  # a linked fan: earns and counts
    platform.engage("liked", "tt-stranger", "video-1", now)  # not linked: earns nothing, still counts
    platform.engage("commented", "tt-stranger", "video-1", now)
    platform.engage("shared", "tt-c", "video-1", now)
    platform.engage("unliked", "tt-stranger", "video-1", now + timedelta(seconds=1))  # an undo receives nothing
    view(platform, "tt-c", "video-1", now, 0.5)
    view(platform, "tt-stranger", "video-1", now, 1.0)
    view(platform, "tt-other", "video-1", now, None)  # a view without completion: a view, not in the mean
    view(platform, "tt-late", "video-1", SHANGHAI_MIDNIGHT_23 - timedelta(minutes=5), 0.25)  # 23:55 local
    clock.now = SHANGHAI_MIDNIGHT_23 + timedelta(minutes=10)  # 16:10 UTC on 22 Nov, but 23 Nov in the community
    view(platform, "tt-c", "video-2", clock.now, 0.75)
    again = {"content_id": "video-2", "external_user_id": "tt-x", "occurred_at": clock.now.isoformat()}
    for _ in range(2):  # one delivery sent twice: processed once
        assert deliver(api, "engagement.liked", again, webhook_id="msg_twice").status_code in (200, 202)
    streams.drain()

    first = day_totals(date(2026, 11, 22))
    content = {name: value for name, value in first.items() if name.startswith("content:")}
    assert content == {
        "content:likes": 2,
        "content:comments": 1,
        "content:shares": 1,
        "content:views": 4,
        "content:completion_views": 3,
        "content:completion_milli": 1750,
    }
    flows = counting.day_flows(first).content
    assert (flows.completion_sum, flows.completion_views) == (1.75, 3)
    later = day_totals(date(2026, 11, 23))
    assert (later["content:views"], later["content:likes"], later["content:completion_milli"]) == (1, 1, 750)

    streams.pump._after.clear()  # the mapping recreated: every record delivered again from the start
    streams.drain()
    assert day_totals(date(2026, 11, 22)) == first


def test_the_snapshot_reports_the_content_ratios_with_their_parts(api, clock, streams):
    platform = Platform(api)
    now = clock.now
    for user in ("tt-1", "tt-2"):
        platform.engage("liked", user, "video-1", now)
    platform.engage("commented", "tt-1", "video-1", now)
    view(platform, "tt-1", "video-1", now, 0.2)
    view(platform, "tt-2", "video-1", now, 0.6)
    view(platform, "tt-3", "video-1", now, None)
    view(platform, "tt-4", "video-1", now, None)
    streams.drain()
    clock.now = SHANGHAI_MIDNIGHT_23 + timedelta(hours=3)
    run = api.call("POST", "/v1/admin/jobs/kpi-snapshot", who="ops", admin=True, key="k1", body={"day": "2026-11-22"})
    assert run.status_code == 202 and payload(run)["status"] == "succeeded"
    listed = api.call("GET", "/v1/admin/kpis?from=2026-11-22&to=2026-11-22", who="ops", admin=True)
    [item] = payload(listed)["items"]
    assert item["content_interaction_rate"] == {"value": 0.75, "numerator": 3, "denominator": 4}
    assert item["view_completion"] == {"value": 0.4, "numerator": 0.8, "denominator": 2}
