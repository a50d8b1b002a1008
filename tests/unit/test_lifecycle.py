"""Lifecycle stages: entry and exit of each, the exact thresholds, at-risk and churn, and coming back."""

from datetime import date, datetime, timedelta, timezone
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.api import schemas
from chalicelib.domain import activity as act
from chalicelib.domain import lifecycle, tiers
from chalicelib.domain.activity import Activity, ScoreRules
from chalicelib.domain.lifecycle import LifecycleRules, StageChange

UTC = timezone.utc
RULES = LifecycleRules()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)
LONG_AGO = NOW - timedelta(days=365)


def noon(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def acted(days_ago, kind="liked", state=None):
    """`state` plus one `kind` event at noon on each of the given days before TODAY."""
    state = state or Activity()
    for n in days_ago:
        day = TODAY - timedelta(days=n)
        state = act.record(state, kind, noon(day), day, ScoreRules())
    return state


def stage(activity, *, created_at=LONG_AGO, streak=0, has_redeemed=True, now=NOW, today=TODAY, rules=RULES):
    return lifecycle.assess(
        activity, created_at=created_at, streak=streak, has_redeemed=has_redeemed, now=now, today=today, rules=rules
    )


def test_stages_agree_with_the_api_schema_and_the_tiers_module():
    assert lifecycle.STAGES == tiers.LIFECYCLE_STAGES == get_args(schemas.Stage)


def test_a_known_fan_who_never_acted_is_in_awareness():
    assert stage(Activity()) == lifecycle.Assessment("awareness", at_risk=False)


def test_completed_views_alone_make_interest_while_recent():
    viewer = acted([3], "viewed")
    assert stage(viewer).stage == "interest"
    assert stage(viewer, now=NOW + timedelta(days=24), today=TODAY + timedelta(days=24)).stage == "interest"
    later = stage(viewer, now=NOW + timedelta(days=25), today=TODAY + timedelta(days=25))
    assert later == lifecycle.Assessment("awareness", at_risk=False)  # never churned: no core action yet


def test_one_core_action_makes_interest():
    assert stage(acted([0])) == lifecycle.Assessment("interest", at_risk=False)


@pytest.mark.parametrize(("days", "expected"), [(3, "interest"), (4, "participation")])
def test_participation_from_exactly_four_active_days(days, expected):
    assert stage(acted(range(0, 2 * days, 2))).stage == expected


@pytest.mark.parametrize(("streak", "expected"), [(6, "interest"), (7, "participation"), (30, "participation")])
def test_participation_from_a_seven_day_streak(streak, expected):
    assert stage(acted([0], "checkin"), streak=streak).stage == expected


def test_participation_ends_when_active_days_leave_the_window():
    fan = acted([0, 1, 2, 3])
    assert stage(fan, now=NOW + timedelta(days=24), today=TODAY + timedelta(days=24)).stage == "participation"
    assert stage(fan, now=NOW + timedelta(days=25), today=TODAY + timedelta(days=25)).stage == "interest"


@pytest.mark.parametrize(
    ("last_checkin", "expected"),
    [(None, 0), (TODAY, 9), (TODAY - timedelta(days=1), 9), (TODAY - timedelta(days=2), 0)],
)
def test_a_streak_counts_only_while_it_can_still_be_extended(last_checkin, expected):
    assert lifecycle.live_streak(9, last_checkin, TODAY) == expected


TWELVE = range(12)


def test_loyalty_needs_twelve_days_sixty_days_tenure_and_a_redemption():
    assert stage(acted(TWELVE), created_at=NOW - timedelta(days=60)).stage == "loyalty"


@pytest.mark.parametrize(
    "missing",
    [
        {"activity": acted(range(11))},
        {"created_at": NOW - timedelta(days=60) + timedelta(seconds=1)},
        {"created_at": None},
        {"has_redeemed": False},
    ],
)
def test_short_of_any_loyalty_condition_is_participation(missing):
    facts = {"activity": acted(TWELVE), "created_at": NOW - timedelta(days=60), "has_redeemed": True} | missing
    assert stage(facts.pop("activity"), **facts).stage == "participation"


def test_loyalty_ends_when_active_days_drop_below_twelve():
    fan = acted(TWELVE)
    assert stage(fan, now=NOW + timedelta(days=16), today=TODAY + timedelta(days=16)).stage == "loyalty"
    assert stage(fan, now=NOW + timedelta(days=17), today=TODAY + timedelta(days=17)).stage == "participation"


@pytest.mark.parametrize(
    ("kind", "days_ago", "expected"),
    [
        ("shared", [2, 5], "advocacy"),
        ("shared", [2], "loyalty"),
        ("shared", [2, 28], "loyalty"),  # 28 days ago is outside the window
        ("published", [27], "advocacy"),
    ],
)
def test_advocacy_is_loyalty_plus_spreading_in_the_window(kind, days_ago, expected):
    assert stage(acted(days_ago, kind, acted(TWELVE))).stage == expected


def test_spreading_without_loyalty_is_not_advocacy():
    assert stage(acted([0, 1, 2, 3], "shared"), has_redeemed=False).stage == "participation"


def test_advocacy_ends_when_the_shares_leave_the_window():
    fan = acted([20, 21], "shared", acted(range(0, 12)))
    assert stage(fan).stage == "advocacy"
    assert stage(fan, now=NOW + timedelta(days=7), today=TODAY + timedelta(days=7)).stage == "loyalty"


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        (timedelta(days=14) - timedelta(seconds=1), lifecycle.Assessment("interest", at_risk=False)),
        (timedelta(days=14), lifecycle.Assessment("interest", at_risk=True)),
        (timedelta(days=30) - timedelta(seconds=1), lifecycle.Assessment("interest", at_risk=True)),
        (timedelta(days=30), lifecycle.Assessment("churned", at_risk=True)),
    ],
)
def test_at_risk_from_fourteen_days_and_churned_from_thirty(idle, expected):
    fan = acted([0])
    assert stage(fan, now=NOW + idle, today=(NOW + idle).date()) == expected


def test_a_participating_fan_becomes_at_risk_without_leaving_the_stage():
    fan = acted([0, 1, 2, 3])
    assert stage(fan, now=NOW + timedelta(days=14), today=TODAY + timedelta(days=14)) == lifecycle.Assessment(
        "participation", at_risk=True
    )


def test_views_do_not_keep_a_fan_from_churning():
    fan = acted([31], "viewed", acted([40]))
    assert stage(fan).stage == "churned"


def test_a_churned_fan_who_acts_again_is_back_to_interest():
    fan = acted([45, 46, 47, 48, 49])
    assert stage(fan).stage == "churned"
    back = acted([0], "checkin", fan)
    assessed = stage(back)
    assert assessed == lifecycle.Assessment("interest", at_risk=False)
    change = lifecycle.transition("churned", assessed.stage)
    assert change == StageChange("churned", "interest")
    assert change is not None and change.resurrected


def test_a_returning_fan_goes_higher_when_the_facts_qualify():
    rules = LifecycleRules(at_risk_after=timedelta(days=5), churned_after=timedelta(days=10))
    fan = acted(range(20, 24))  # four active days, still in the window but 20 days idle
    assert stage(fan, rules=rules).stage == "churned"
    assert stage(acted([0], state=fan), rules=rules) == lifecycle.Assessment("participation", at_risk=False)


def test_transition_is_none_when_unchanged_and_refuses_unknown_stored_stages():
    assert lifecycle.transition("interest", "interest") is None
    change = lifecycle.transition("awareness", "interest")
    assert change == StageChange("awareness", "interest")
    assert change is not None and not change.resurrected
    with pytest.raises(ValueError):
        lifecycle.transition("dormant", "interest")


def test_thresholds_are_configuration():
    rules = LifecycleRules(participation_days=2, churned_after=timedelta(days=7), at_risk_after=timedelta(days=3))
    assert stage(acted([0, 1]), rules=rules).stage == "participation"
    assert stage(acted([7]), rules=rules) == lifecycle.Assessment("churned", at_risk=True)


@pytest.mark.parametrize(
    "rules",
    [
        {"window_days": 0},
        {"window_days": act.HISTORY_DAYS + 1},
        {"at_risk_after": timedelta(days=31)},
    ],
)
def test_invalid_lifecycle_rules_are_refused(rules):
    with pytest.raises(ValueError):
        LifecycleRules(**rules)


@given(
    st.lists(st.tuples(st.sampled_from(act.KINDS), st.integers(0, 24 * 80)), max_size=25),
    st.integers(0, 24 * 80),
    st.integers(0, 20),
    st.booleans(),
    st.integers(0, 200),
)
def test_the_stage_is_always_one_of_six_and_follows_the_idle_time(drawn, hours_after, streak, redeemed, tenure):
    state = Activity()
    start = NOW - timedelta(days=80)
    for kind, h in drawn:
        at = start + timedelta(hours=h)
        state = act.record(state, kind, at, at.date(), ScoreRules())
    now = start + timedelta(hours=hours_after)
    assessed = stage(
        state, created_at=now - timedelta(days=tenure), streak=streak, has_redeemed=redeemed, now=now, today=now.date()
    )
    assert assessed.stage in lifecycle.STAGES
    idle = None if state.last_core_at is None else now - state.last_core_at
    assert (assessed.stage == "churned") == (idle is not None and idle >= RULES.churned_after)
    assert assessed.at_risk == (idle is not None and idle >= RULES.at_risk_after)
    if assessed.stage in ("loyalty", "advocacy"):
        assert redeemed and tenure >= 60 and act.active_days_28(state, now.date()) >= 12
