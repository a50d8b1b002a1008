"""Properties of the robust statistics the risk rules stand on, over arbitrary samples."""

from datetime import datetime, timedelta, timezone

from hypothesis import assume, given
from hypothesis import strategies as st

from chalicelib.domain.risk import stats
from chalicelib.domain.risk.levels import Ladder
from chalicelib.domain.risk.stats import ScaleFloor

values = st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=60)
floors = st.builds(
    ScaleFloor,
    absolute=st.floats(0.01, 100),
    relative=st.floats(0, 1),
    poisson=st.booleans(),
)


@given(values)
def test_median_lies_within_the_sample_and_splits_it(sample):
    centre = stats.median(sample)
    assert min(sample) <= centre <= max(sample)
    assert sum(v <= centre for v in sample) * 2 >= len(sample)
    assert sum(v >= centre for v in sample) * 2 >= len(sample)


@given(values, st.integers(-1000, 1000), st.integers(1, 50))
def test_mad_ignores_shifts_and_scales_with_the_data(sample, shift, factor):
    mad = stats.mad(sample)
    assert mad >= 0
    assert stats.mad([v + shift for v in sample]) == mad
    assert stats.mad([v * factor for v in sample]) == mad * factor
    assert stats.mad([-v for v in sample]) == mad


@given(values, floors)
def test_scale_is_never_below_its_floor_nor_the_scaled_mad(sample, floor):
    scale = stats.scale(sample, floor)
    centre = stats.median(sample)
    assert scale >= floor.absolute
    assert scale >= floor.relative * abs(centre) - 1e-9
    assert scale >= stats.MAD_TO_SD * stats.mad(sample) - 1e-9
    if floor.poisson and centre > 0:
        assert scale >= centre**0.5 - 1e-9


@given(st.lists(st.integers(0, 100), min_size=3, max_size=40), st.integers(-(10**9), 10**9), st.data())
def test_one_wild_value_cannot_drag_the_median_out_of_the_sample(sample, wild, data):
    """An outage or a launch day in a baseline: the median stays within the other values' range."""
    index = data.draw(st.integers(0, len(sample) - 1))
    spoiled = [*sample[:index], wild, *sample[index + 1 :]]
    assert min(sample) <= stats.median(spoiled) <= max(sample)


@given(values, floors, st.integers(1, 5))
def test_no_baseline_without_enough_history(sample, floor, extra):
    assert stats.baseline(sample, floor, min_history=len(sample) + extra) is None
    found = stats.baseline(sample, floor, min_history=len(sample))
    assert found is not None and found.size == len(sample)


@given(
    st.floats(0, 100),
    st.floats(0, 100),
    st.floats(0, 100),
    st.lists(st.floats(-1000, 1000), min_size=2, max_size=10),
)
def test_a_ladder_never_lowers_the_level_as_the_measure_grows(warning, more, most, measures):
    ladder = Ladder(warning, warning + more, warning + more + most)
    order = [None, "warning", "activate", "escalate"]
    levels = [order.index(ladder.level(m)) for m in sorted(measures)]
    assert levels == sorted(levels)


buckets = st.dictionaries(st.integers(0, 400), st.integers(0, 50), max_size=80)


@given(buckets, st.integers(1, 12), st.integers(0, 30))
def test_window_counts_never_lose_or_invent_events(offsets, window_buckets, windows):
    now = datetime(2026, 3, 10, tzinfo=timezone.utc)
    five = timedelta(minutes=5)
    counted = {now - five * (offset + 1): count for offset, count in offsets.items()}
    current, earlier = stats.window_counts(counted, now, five * window_buckets, windows)
    covered = sum(count for offset, count in offsets.items() if offset < window_buckets * (windows + 1))
    assert current + sum(earlier) == covered
    assume(windows > 0)
    assert len(earlier) == windows
