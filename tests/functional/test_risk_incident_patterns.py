"""The backtest's incident patterns end to end, each beside its near-misses: traffic through the API and
webhooks, the stream handlers (the counters), then the risk scan on the test clock, and what reaches ops.

KPI drop drives three earlier weeks of the same hour through the API. Churn spike drives the spike itself
(check-ins, idleness, the update-lifecycle run, the fan stream) but writes its 20 days of baseline with
the counters directly: driving 20 lifecycle runs over a churning population would take minutes.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.kpis import counting
from chalicelib.domain.risk import signals
from chalicelib.persistence import counters
from chalicelib.services import risk_scan
from tests.alert_support import Subscriber
from tests.support import deliver, reward_body, run_job

MINUTE = timedelta(minutes=1)
WEEK = timedelta(weeks=1)
DAY = timedelta(days=1)


@pytest.fixture
def ops(aws):
    return Subscriber()


def raised(ops, rule):
    return sorted(
        (m["category"], m["dedup_key"].rsplit(":", 1)[1], m["level"])
        for m in ops.received()
        if m["rule"] == rule and m["notification"] == "raised"
    )


def check_in(api, fans):
    for fan in fans:
        assert api.call("POST", "/v1/checkins", who=fan).status_code == 201


@pytest.mark.parametrize(("flags", "alerted"), [(4, True), (3, False)])
def test_a_raid_of_flags_alerts_in_the_next_scan(api, clock, ops, flags, alerted):
    """Four flags within 5 minutes where a day brought none: seen at once, though 30 minutes need 15."""
    for n in range(flags):
        data = {"content_id": f"vid-{n}", "reason": "hate speech", "severity": "medium"}
        assert deliver(api, "content.flagged", data).status_code == 202
        clock.now += MINUTE
    risk_scan.scan(clock.now)
    expected = [("content", "community", "warning")] if alerted else []
    assert raised(ops, "flagged_content_surge") == expected


@pytest.mark.parametrize(("gap", "alerted"), [(MINUTE, True), (40 * MINUTE, False)])
def test_a_campaign_rush_on_a_reward_alerts_within_minutes(api, clock, ops, streams, gap, alerted):
    """Three units in the last hour of 200 left is three days' stock at that pace; three spread over 80 minutes
    leave two in the hour, and three in a week forecast a year."""
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=1, stock_remaining=200))
    for n in range(3):
        check_in(api, [f"fan-{n}"])
        body = {"reward_id": "poster", "quantity": 1}
        assert api.call("POST", "/v1/redemptions", who=f"fan-{n}", key=f"k-{n}", body=body).status_code == 201
        clock.now += gap
    streams.drain()
    risk_scan.scan(clock.now)
    assert raised(ops, "stock_out") == ([("operations", "reward#poster", "warning")] if alerted else [])


def drive_hour(api, clock, streams, start, fans, tag):
    """`fans` distinct check-ins spread over the 40 minutes from `start`, and the streams drained."""
    for n in range(fans):
        clock.now = start + n * (40 * MINUTE) / max(fans, 1)
        check_in(api, [f"{tag}-{n}"])
    streams.drain()


@pytest.mark.parametrize(
    ("weeks", "usual", "now", "alerted"),
    [
        (3, 60, 20, True),  # a third of the usual: z 5.2, drop 67%
        (3, 60, 50, False),  # within the usual range
        (2, 60, 0, False),  # two weeks of history are too few to judge
        (3, 15, 0, False),  # a quiet hour: under the volume guard
    ],
)
def test_a_kpi_drop_against_the_same_hour_of_earlier_weeks(api, clock, ops, streams, weeks, usual, now, alerted):
    scan_at = clock.now
    for n in range(weeks, 0, -1):
        drive_hour(api, clock, streams, scan_at - n * WEEK - 50 * MINUTE, usual, f"w{n}")
    drive_hour(api, clock, streams, scan_at - 50 * MINUTE, now, "now")
    clock.now = scan_at
    risk_scan.scan(scan_at)
    found = raised(ops, "kpi_drop")
    expected = [("operations", "kpi#checkins", "warning"), ("operations", "kpi#interactions", "warning")]
    assert found == (expected if alerted else [])


def seeded_hour(end: datetime, count: int, shard: str) -> None:
    """`count` check-ins and as many interactions spread over the hour before `end`, filed as the stream would."""
    increments: dict[tuple[str, str], int] = {}
    for n in range(count):
        for signal in (signals.CHECKINS, signals.INTERACTIONS):
            key = signals.slot_key(signal, end - timedelta(minutes=55) + n * (50 * MINUTE) / count)
            increments[key] = increments.get(key, 0) + 1
    counters.add("fans", shard, increments, "1", None, end)


@pytest.mark.parametrize(("before", "alerted"), [((20, 20), False), ((20, 60), True)])
def test_a_drop_the_same_hour_showed_on_the_days_before_is_held_not_raised(clock, ops, before, alerted):
    """After churn every evening sits under the earlier weeks: the third such evening raises nothing new."""
    scan_at = clock.now
    for days, that_day in enumerate((20, *before)):
        end = scan_at - days * DAY
        for weeks in (1, 2, 3):
            seeded_hour(end - weeks * WEEK, 60, f"d{days}w{weeks}")
        seeded_hour(end, that_day, f"d{days}")
    risk_scan.scan(scan_at)
    expected = [("operations", "kpi#checkins", "warning"), ("operations", "kpi#interactions", "warning")]
    assert raised(ops, "kpi_drop") == (expected if alerted else [])


def churn_history(day: date, days: int, at: datetime) -> None:
    """`days` days before `day` with 8 to 12 fans churned each (the baseline), as the fan stream would file them."""
    earlier = [day - timedelta(days=n) for n in range(1, days + 1)]
    increments = {(counting.day_bucket(d), counting.CHURNED): 8 + n % 5 for n, d in enumerate(earlier)}
    counters.add("fans", "baseline", increments, "1", None, at)


@pytest.mark.parametrize(
    ("history_days", "churning", "alerted"),
    [
        (20, 40, True),  # 40 against a median of 10: z 9.5, 4x the usual
        (20, 15, False),  # 1.5x the usual but under the 20-fan volume guard
        (10, 40, False),  # ten days of history are too few
    ],
)
def test_a_churn_spike_alerts_at_the_daily_run_after_it(api, clock, ops, streams, history_days, churning, alerted):
    """Fans idle for the churn threshold are churned by the 00:00 run and filed under the day before, by the
    run's instant on the fan item: the stream's own arrival time (wall clock here) would file them elsewhere."""
    check_in(api, [f"leaver-{n}" for n in range(churning)])
    streams.drain()
    run_at = datetime(2026, 12, 23, 16, 0, tzinfo=UTC)  # 00:00 on 24 December in Shanghai: 31 days idle
    judged = date(2026, 12, 23)
    churn_history(judged, history_days, run_at)
    clock.now = run_at
    run_job(api, "update-lifecycle", "lifecycle-1")
    streams.drain()
    assert counters.totals(counting.day_bucket(judged)).get(counting.CHURNED) == churning
    risk_scan.scan(run_at)
    assert raised(ops, "churn_spike") == ([("user", "community", "activate")] if alerted else [])
