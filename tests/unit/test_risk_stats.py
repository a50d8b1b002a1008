"""Robust statistics, level ladders and timing: the pieces every risk rule stands on."""

import math
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.alerts.evidence import top
from chalicelib.domain.alerts.model import Observation
from chalicelib.domain.risk import stats
from chalicelib.domain.risk.levels import Ladder, Timing, highest, lowest
from chalicelib.domain.risk.stats import ScaleFloor

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def test_median_and_mad_by_hand():
    values = [1, 2, 3, 4, 100]
    assert stats.median(values) == 3
    assert stats.mad(values) == 1  # deviations 2, 1, 0, 1, 97
    assert stats.median([1, 2, 3, 4]) == 2.5
    with pytest.raises(ValueError):
        stats.median([])


def test_scale_is_mad_times_1_4826_above_its_floor():
    assert stats.scale([10, 12, 14, 16, 18], ScaleFloor(absolute=0.1, poisson=False)) == pytest.approx(2 * 1.4826)


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        (ScaleFloor(absolute=1.0, poisson=False), 1.0),
        (ScaleFloor(absolute=1.0, relative=0.1, poisson=False), 10.0),
        (ScaleFloor(absolute=1.0, poisson=True), 10.0),  # sqrt(100)
        (ScaleFloor(absolute=25.0, relative=0.1, poisson=True), 25.0),
    ],
)
def test_a_flat_baseline_has_mad_0_and_takes_its_floor(floor, expected):
    assert stats.mad([100, 100, 100, 100]) == 0
    assert stats.scale([100, 100, 100, 100], floor) == expected


def test_an_outlier_in_the_baseline_does_not_move_it():
    quiet = stats.baseline([100, 104, 98, 101, 97], ScaleFloor(), min_history=3)
    with_outage = stats.baseline([100, 104, 98, 101, 0], ScaleFloor(), min_history=3)
    assert quiet is not None and with_outage is not None
    assert quiet.median == 100 and with_outage.median == 100


def test_no_baseline_without_history_or_volume():
    assert stats.baseline([5, 6], ScaleFloor(), min_history=3) is None
    assert stats.baseline([5, 6, 7], ScaleFloor(), min_history=3, min_volume=10) is None
    found = stats.baseline([5, 6, 7], ScaleFloor(), min_history=3, min_volume=6)
    assert found is not None and found.size == 3
    assert stats.baseline([], ScaleFloor(), min_history=0) is None


def test_z_is_signed_distance_in_scales():
    base = stats.Baseline(median=100, scale=10, size=5)
    assert base.z(130) == 3 and base.z(80) == -2


def test_scale_floor_refuses_nonsense():
    with pytest.raises(ValueError):
        ScaleFloor(absolute=0)
    with pytest.raises(ValueError):
        ScaleFloor(relative=-0.1)


def test_same_weekday_takes_whole_weeks_back_and_skips_missing_days():
    day = date(2026, 3, 10)  # a Tuesday
    series = {day - timedelta(weeks=n): float(n) for n in (1, 2, 4, 9)}
    series[day - timedelta(days=1)] = 99.0  # the Monday before: not the same weekday
    assert stats.same_weekday(series, day, weeks=8) == [1.0, 2.0, 4.0]
    assert stats.same_weekday_baseline(series, day, ScaleFloor(), weeks=8, min_weeks=4) is None
    found = stats.same_weekday_baseline(series, day, ScaleFloor(), weeks=8, min_weeks=3)
    assert found is not None and found.median == 2.0


def test_window_counts_splits_buckets_into_windows_newest_first():
    five = timedelta(minutes=5)
    buckets = {NOW - five * n: n for n in range(1, 13)}  # buckets 1..12 intervals ago
    buckets[NOW] = 1000  # starts at `now`: not yet in any window
    current, earlier = stats.window_counts(buckets, NOW, timedelta(minutes=15), windows=3)
    assert current == 1 + 2 + 3
    assert earlier == [4 + 5 + 6, 7 + 8 + 9, 10 + 11 + 12]


def test_window_counts_leave_out_windows_from_before_counting_began():
    five = timedelta(minutes=5)
    _, earlier = stats.window_counts({}, NOW, five, windows=6, since=NOW - 4 * five)
    assert earlier == [0, 0, 0]  # windows starting at -10, -15, -20 minutes; -25 and earlier are no data
    with pytest.raises(ValueError):
        stats.window_counts({}, NOW, timedelta(0), windows=1)


def test_weekly_windows_compare_the_same_clock_window_week_by_week():
    hour = timedelta(hours=1)
    buckets = {NOW - timedelta(weeks=n) - timedelta(minutes=30): 10 * n + 1 for n in range(0, 4)}
    buckets[NOW - timedelta(days=1) - timedelta(minutes=30)] = 500  # yesterday: another weekday
    current, weeks = stats.weekly_windows(buckets, NOW, hour, weeks=4, since=NOW - timedelta(weeks=3, hours=1))
    assert current == 1
    assert weeks == [11, 21, 31, None]


def test_ladder_levels_and_validation():
    ladder = Ladder(warning=5, activate=10, escalate=20)
    assert [ladder.level(v) for v in (4.99, 5, 9.99, 10, 20, 1e9)] == [
        None,
        "warning",
        "warning",
        "activate",
        "escalate",
        "escalate",
    ]
    assert Ladder(warning=1, activate=2).level(1e9) == "activate"
    with pytest.raises(ValueError):
        Ladder(warning=3, activate=2)
    with pytest.raises(ValueError):
        Ladder(warning=1, activate=5, escalate=4)


def test_highest_and_lowest_levels():
    assert highest(None, "warning", "escalate", "activate") == "escalate"
    assert highest(None, None) is None
    assert lowest("escalate", "warning") == "warning"
    assert lowest("escalate", None) is None
    assert lowest() is None


def test_timing_validation():
    assert Timing().repeat["escalate"] < Timing().repeat["warning"]
    with pytest.raises(ValueError):
        Timing(pending=timedelta(minutes=-1))
    with pytest.raises(ValueError):
        Timing(repeat={"warning": timedelta(hours=1)})


def test_observation_identity_and_bounded_evidence():
    seen = Observation("points_farming", "user", "community", None, title="t", runbook="operations.md#points-farming")
    assert seen.dedup_key == "user:points_farming:community"
    assert seen.level is None
    assert top(list(range(30))) == {"items": list(range(20)), "count": 30}


def poisson_tail_by_hand(count, mean):
    return 1 - sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(count))


@pytest.mark.parametrize(("count", "mean"), [(1, 1.0), (3, 10.0), (5, 0.4), (20, 10.0), (4, 0.14)])
def test_poisson_surprise_is_minus_log10_of_the_upper_tail(count, mean):
    assert stats.poisson_surprise(count, mean) == pytest.approx(-math.log10(poisson_tail_by_hand(count, mean)))


def test_poisson_surprise_extremes():
    assert stats.poisson_surprise(0, 3.0) == 0.0  # nothing seen is no surprise
    assert stats.poisson_surprise(1, 0.0) == stats.SURPRISE_CAP  # anything after a silent history
    assert stats.poisson_surprise(40, 0.001) == stats.SURPRISE_CAP  # beyond float precision: capped
    assert 13 < stats.poisson_surprise(4, 0.001) < 14  # one-in-10^13, where 1 - P(<4) would be 0
