"""The decaying engagement score and the day masks: half-life, rounding, late and reordered events, windows."""

import math
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import activity as act
from chalicelib.domain.activity import Activity, ScoreRules

UTC = timezone.utc
RULES = ScoreRules()
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
D0 = date(2026, 3, 1)


def record_all(events, rules=RULES):
    state = Activity()
    for kind, at, day in events:
        state = act.record(state, kind, at, day, rules)
    return state


def at_day(day, hour=12):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_default_weights_cover_every_kind():
    assert set(RULES.weights) == set(act.KINDS)
    assert RULES.half_life == timedelta(days=14)


@pytest.mark.parametrize(("kind", "weight"), [("checkin", 1), ("commented", 3), ("shared", 5), ("published", 10)])
def test_first_event_scores_its_weight(kind, weight):
    assert act.score(act.record(Activity(), kind, T0, D0, RULES), T0, RULES) == weight


def test_score_halves_every_half_life():
    published = act.record(Activity(), "published", T0, D0, RULES)  # weight 10
    assert act.score(published, T0 + timedelta(days=14), RULES) == 5
    assert act.score(published, T0 + timedelta(days=28), RULES) == 3  # 2.5 rounds half up
    assert act.score(published, T0 + timedelta(days=42), RULES) == 1  # 1.25
    assert act.score(published, T0 + timedelta(days=140), RULES) == 0


def test_adding_to_a_decayed_value_keeps_the_exact_decay():
    state = act.record(Activity(), "published", T0, D0, RULES)
    state = act.record(state, "liked", T0 + timedelta(days=7), D0 + timedelta(days=7), RULES)
    assert state.score_at == T0 + timedelta(days=7)
    assert state.score_value == pytest.approx(10 / math.sqrt(2) + 1)


def test_weight_one_shows_for_exactly_one_half_life():
    liked = act.record(Activity(), "liked", T0, D0, RULES)
    assert act.score(liked, T0 + timedelta(days=14), RULES) == 1
    assert act.score(liked, T0 + timedelta(days=14, seconds=1), RULES) == 0


def test_half_life_is_configuration():
    rules = ScoreRules(weights={"shared": 8}, half_life=timedelta(days=1))
    shared = act.record(Activity(), "shared", T0, D0, rules)
    assert act.score(shared, T0 + timedelta(days=3), rules) == 1
    assert act.score(act.record(Activity(), "liked", T0, D0, rules), T0, rules) == 0  # unweighted kind


def test_late_event_adds_its_decayed_weight_and_keeps_the_newer_instant():
    later = act.record(Activity(), "liked", T0, D0, RULES)
    late = act.record(later, "published", T0 - timedelta(days=14), D0 - timedelta(days=14), RULES)
    assert late.score_at == T0
    assert late.score_value == pytest.approx(1 + 5)
    assert act.score(late, T0, RULES) == 6


def test_event_order_does_not_change_the_score():
    events = [("shared", T0, D0), ("commented", T0 - timedelta(days=3), D0 - timedelta(days=3))]
    forward, backward = record_all(events), record_all(reversed(events))
    assert forward.score_at == backward.score_at == T0
    assert forward.score_value == pytest.approx(backward.score_value)


def test_reading_before_the_last_update_does_not_grow_the_score():
    state = act.record(Activity(), "shared", T0, D0, RULES)
    assert act.score(state, T0 - timedelta(days=14), RULES) == 5


def test_empty_activity_scores_zero_and_has_no_days():
    assert act.score(Activity(), T0, RULES) == 0
    assert act.active_days_28(Activity(), D0) == 0
    assert act.seen_days(Activity(), D0) == 0


def test_several_actions_on_one_day_make_one_active_day():
    state = record_all([("liked", T0, D0), ("commented", T0 + timedelta(hours=1), D0), ("checkin", T0, D0)])
    assert act.active_days_28(state, D0) == 1


def test_a_completed_view_counts_for_score_and_activity_but_is_not_core():
    viewed = act.record(Activity(), "viewed", T0, D0, RULES)
    assert act.score(viewed, T0, RULES) == 1
    assert act.seen_days(viewed, D0) == 1
    assert act.active_days_28(viewed, D0) == 0
    assert viewed.first_seen_at == T0
    assert viewed.last_core_at is None


def test_late_day_within_the_window_is_counted_without_moving_the_anchor():
    state = act.record(Activity(), "liked", T0, D0, RULES)
    late = act.record(state, "checkin", T0 - timedelta(days=20), D0 - timedelta(days=20), RULES)
    assert late.day == D0
    assert act.active_days_28(late, D0) == 2
    assert act.active_days_28(late, D0 + timedelta(days=8)) == 1  # the late day has left the window


def test_late_day_beyond_the_history_only_adds_score():
    state = act.record(Activity(), "liked", T0, D0, RULES)
    too_old = D0 - timedelta(days=act.HISTORY_DAYS)
    late = act.record(state, "shared", at_day(too_old), too_old, RULES)
    assert (late.core_mask, late.seen_mask, late.shared_mask) == (state.core_mask, state.seen_mask, 0)
    assert late.score_value > state.score_value
    oldest_kept = D0 - timedelta(days=act.HISTORY_DAYS - 1)
    kept = act.record(state, "liked", at_day(oldest_kept), oldest_kept, RULES)
    assert act.active_days(kept, oldest_kept, 1) == 1


def test_first_seen_and_last_core_hold_under_reordering():
    state = record_all(
        [
            ("liked", T0, D0),
            ("viewed", T0 - timedelta(days=2), D0 - timedelta(days=2)),
            ("commented", T0 - timedelta(days=1), D0 - timedelta(days=1)),
            ("viewed", T0 + timedelta(days=1), D0 + timedelta(days=1)),
        ]
    )
    assert state.first_seen_at == T0 - timedelta(days=2)
    assert state.last_core_at == T0  # the later view is not a core action


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 2, 28), 3),  # window 2026-02-01 .. 02-28
        (date(2026, 3, 1), 3),  # window 2026-02-02 .. 03-01: 02-01 has left
        (date(2026, 3, 2), 2),  # window 2026-02-03 .. 03-02
        (date(2026, 3, 28), 1),
        (date(2026, 3, 29), 0),
    ],
)
def test_window_slides_across_a_month_end(today, expected):
    days = [date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2), date(2026, 2, 28), date(2026, 3, 1)]
    state = record_all([("checkin", at_day(day), day) for day in days])
    assert act.active_days_28(state, today) == expected


def test_window_across_a_leap_day():
    days = [date(2024, 2, 3), date(2024, 2, 29), date(2024, 3, 1)]
    state = record_all([("liked", at_day(day), day) for day in days])
    assert act.active_days_28(state, date(2024, 3, 1)) == 3  # 2024-03-01 minus 27 days is 02-03
    assert act.active_days_28(state, date(2024, 3, 2)) == 2


def test_a_recorded_day_after_today_is_not_in_todays_window():
    state = record_all([("liked", T0, D0), ("liked", T0 + timedelta(days=1), D0 + timedelta(days=1))])
    assert act.active_days_28(state, D0) == 1


def test_shares_and_publications_are_counted_per_day():
    state = record_all(
        [
            ("shared", T0, D0),
            ("shared", T0 + timedelta(hours=1), D0),
            ("shared", T0 - timedelta(days=3), D0 - timedelta(days=3)),
            ("published", T0 - timedelta(days=30), D0 - timedelta(days=30)),
        ]
    )
    assert act.shared_days(state, D0) == 2
    assert act.published_days(state, D0) == 0
    assert act.published_days(state, D0, 31) == 1


def test_previous_window_for_monthly_retention():
    state = record_all([("liked", at_day(D0 - timedelta(days=40)), D0 - timedelta(days=40)), ("liked", T0, D0)])
    assert act.active_days(state, D0 - timedelta(days=28), 28) == 1
    assert act.active_days_28(state, D0) == 1


@pytest.mark.parametrize("days", [0, act.HISTORY_DAYS + 1])
def test_window_beyond_the_history_is_refused(days):
    with pytest.raises(ValueError):
        act.active_days(Activity(), D0, days)


@pytest.mark.parametrize(
    "rules",
    [
        {"weights": {"likes": 1}},
        {"weights": {"liked": -1}},
        {"half_life": timedelta(0)},
    ],
)
def test_invalid_score_rules_are_refused(rules):
    with pytest.raises(ValueError):
        ScoreRules(**rules)


def test_naive_instants_and_unknown_kinds_are_refused():
    with pytest.raises(ValueError):
        act.record(Activity(), "liked", datetime(2026, 3, 1), D0, RULES)
    with pytest.raises(ValueError):
        act.score(Activity(), datetime(2026, 3, 1), RULES)
    with pytest.raises(ValueError):
        act.record(Activity(), "bought", T0, D0, RULES)  # type: ignore[arg-type]


events = st.lists(
    st.tuples(st.sampled_from(act.KINDS), st.integers(0, 24 * 90)),  # kind, hours after the start
    min_size=1,
    max_size=30,
)


def as_events(drawn):
    return [(kind, T0 + timedelta(hours=h), (T0 + timedelta(hours=h)).date()) for kind, h in drawn]


@given(events, st.integers(0, 24 * 200), st.integers(1, 24 * 200))
def test_score_never_rises_without_an_event(drawn, after_last, later):
    state = record_all(as_events(drawn))
    now = state.score_at + timedelta(hours=after_last)
    assert 0 <= act.score(state, now + timedelta(hours=later), RULES) <= act.score(state, now, RULES)


@given(events, st.randoms(use_true_random=False), st.integers(-5, 70), st.integers(1, 28))
def test_any_order_gives_the_same_facts_and_day_counts(drawn, rnd, days_after, window):
    ordered = as_events(drawn)
    shuffled = list(ordered)
    rnd.shuffle(shuffled)
    a, b = record_all(ordered), record_all(shuffled)
    assert (a.day, a.core_mask, a.seen_mask, a.shared_mask, a.published_mask) == (
        b.day,
        b.core_mask,
        b.seen_mask,
        b.shared_mask,
        b.published_mask,
    )
    assert (a.first_seen_at, a.last_core_at, a.score_at) == (b.first_seen_at, b.last_core_at, b.score_at)
    assert a.score_value == pytest.approx(b.score_value, rel=1e-9)

    today = a.day + timedelta(days=days_after)
    core_days = {day for kind, _, day in ordered if kind in act.CORE_KINDS}
    expected = len({day for day in core_days if today - timedelta(days=window) < day <= today})
    assert act.active_days(b, today, window) == expected <= window


def test_the_stored_text_round_trips_every_field():
    from chalicelib.persistence import codec

    rules = ScoreRules()
    at = datetime(2026, 11, 22, 15, 40, tzinfo=timezone.utc)
    shared = act.record(Activity(), "shared", at, at.date(), rules)
    full = act.record(shared, "checkin", at - timedelta(days=40), date(2026, 10, 13), rules)
    assert codec.activity_from_text(codec.activity_text(full)) == full
    assert codec.activity_text(Activity()) is None and codec.activity_from_text(None) == Activity()


def test_redemption_days_are_stored_and_the_format_before_them_still_reads():
    from chalicelib.persistence import codec

    rules = ScoreRules()
    at = datetime(2026, 11, 22, 15, 40, tzinfo=timezone.utc)
    redeemed = act.record(Activity(), "redemption", at, at.date(), rules)
    assert redeemed.redeemed_mask != 0
    text = codec.activity_text(redeemed)
    assert text is not None and text.startswith("a2|")
    assert codec.activity_from_text(text) == redeemed
    older = "a1|" + "|".join(text.split("|")[1:-1])  # as fans were written before redemption days were kept
    assert codec.activity_from_text(older) == replace(redeemed, redeemed_mask=0)
    with pytest.raises(ValueError, match="activity format"):
        codec.activity_from_text(older + "|1")
