"""Hysteresis: daily promotions, warned monthly demotions one tier at a time, the warning, progress."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.domain.ranking import (
    DowngradeWarning,
    TierChange,
    below_exit,
    decide,
    downgrade_warning,
    next_monthly_run,
    next_tier,
    rank,
    run_kind,
    tier_progress,
)
from chalicelib.domain.tiers import TIERS, TierRules

RULES = TierRules()
# 100 distinct scores 1..100. Entry: head 96, active 76, potential 46. Exit: head 93, active 71, potential 41.
RANKING = rank(ScoreHistogram.of(range(1, 101)), RULES)
MAR_1 = date(2026, 3, 1)
WARNING_DAY = date(2026, 2, 22)  # seven days before the March run


def test_the_monthly_run_is_the_first_of_the_month():
    assert run_kind(MAR_1) == "monthly"
    assert run_kind(date(2026, 3, 2)) == "daily"
    assert next_monthly_run(date(2026, 2, 28)) == MAR_1
    assert next_monthly_run(MAR_1) == date(2026, 4, 1)
    assert next_monthly_run(date(2026, 12, 31)) == date(2027, 1, 1)


def test_a_daily_run_promotes_straight_to_the_tier_the_score_reaches():
    assert next_tier("silent", 96, RANKING, date(2026, 2, 10)) == TierChange("silent", "head", "promoted")
    assert next_tier("potential", 76, RANKING, date(2026, 2, 10)) == TierChange("potential", "active", "promoted")


def test_a_daily_run_never_demotes_even_a_fan_with_no_points():
    change = next_tier("head", 0, RANKING, date(2026, 2, 10))
    assert change == TierChange("head", "head", "held_by_hysteresis")


def test_a_fan_at_its_tier_is_unchanged_and_one_below_entry_is_held():
    assert next_tier("active", 80, RANKING, MAR_1).reason == "unchanged"
    assert next_tier("active", 75, RANKING, MAR_1).reason == "held_by_hysteresis"


def test_the_monthly_run_demotes_a_warned_fan_below_its_exit_cut_off_one_tier_only():
    warning = DowngradeWarning("active", MAR_1)
    assert next_tier("head", 0, RANKING, MAR_1, warning) == TierChange("head", "active", "demoted")


def test_the_monthly_run_keeps_a_fan_exactly_at_its_exit_cut_off():
    warning = DowngradeWarning("active", MAR_1)
    assert next_tier("head", 93, RANKING, MAR_1, warning).reason == "held_by_hysteresis"
    assert next_tier("head", 92, RANKING, MAR_1, warning).reason == "demoted"


def test_no_demotion_without_a_warning_for_this_run_and_this_tier():
    assert next_tier("head", 50, RANKING, MAR_1).reason == "held_by_hysteresis"
    stale = DowngradeWarning("active", date(2026, 2, 1))
    assert next_tier("head", 50, RANKING, MAR_1, stale).reason == "held_by_hysteresis"
    other_tier = DowngradeWarning("potential", MAR_1)
    assert next_tier("head", 50, RANKING, MAR_1, other_tier).reason == "held_by_hysteresis"


def test_the_warning_is_issued_seven_days_before_the_monthly_run_to_fans_below_exit():
    assert downgrade_warning("head", 92, RANKING, WARNING_DAY, RULES) == DowngradeWarning("active", MAR_1)
    assert downgrade_warning("head", 93, RANKING, WARNING_DAY, RULES) is None
    assert downgrade_warning("head", 92, RANKING, WARNING_DAY + timedelta(days=1), RULES) is None
    assert downgrade_warning("head", 92, RANKING, WARNING_DAY - timedelta(days=1), RULES) is None
    assert downgrade_warning("silent", 0, RANKING, WARNING_DAY, RULES) is None
    assert downgrade_warning("potential", 0, RANKING, date(2026, 1, 25), RULES) == DowngradeWarning(
        "silent", date(2026, 2, 1)
    )


def test_a_re_run_of_the_warning_day_does_not_announce_again():
    first = decide("head", 50, RANKING, WARNING_DAY, None, RULES)
    again = decide("head", 50, RANKING, WARNING_DAY, first.warning, RULES)
    assert first.announce and first.warning == DowngradeWarning("active", MAR_1)
    assert not again.announce and again.warning == first.warning


def test_the_warning_is_kept_until_its_run_and_dropped_after_a_promotion():
    warning = DowngradeWarning("active", MAR_1)
    assert decide("head", 50, RANKING, date(2026, 2, 25), warning, RULES).warning == warning
    assert decide("active", 99, RANKING, date(2026, 2, 25), DowngradeWarning("potential", MAR_1), RULES).warning is None
    assert decide("head", 50, RANKING, MAR_1, warning, RULES).warning is None


def test_tier_progress_in_the_band_above_and_below_the_exit_cut_off():
    held = tier_progress("active", 73, RANKING, None, date(2026, 2, 10))
    assert held.to_dict() == {
        "score": 73,
        "next_tier": "head",
        "score_to_next": 23,
        "score_to_keep": 2,
        "downgrade_warning": None,
    }
    warning = DowngradeWarning("potential", MAR_1)
    below = tier_progress("active", 68, RANKING, warning, date(2026, 2, 23))
    assert below.score_to_keep == -3
    assert below.to_dict()["downgrade_warning"] == {"to": "potential", "on": "2026-03-01"}


def test_tier_progress_hides_a_warning_that_will_not_be_carried_out():
    warning = DowngradeWarning("potential", MAR_1)
    recovered = tier_progress("active", 72, RANKING, warning, date(2026, 2, 23))
    assert recovered.downgrade_warning is None
    assert tier_progress("active", 68, RANKING, warning, MAR_1).downgrade_warning is None


def test_tier_progress_at_the_ends():
    head = tier_progress("head", 99, RANKING, None, date(2026, 2, 10))
    assert (head.next_tier, head.score_to_next, head.score_to_keep) == (None, None, 6)
    silent = tier_progress("silent", 50, RANKING, None, date(2026, 2, 10))
    assert (silent.next_tier, silent.score_to_next, silent.score_to_keep) == ("potential", 0, None)


def test_warning_round_trips_as_json_fields():
    warning = DowngradeWarning("active", MAR_1)
    assert DowngradeWarning.from_dict(warning.to_dict()) == warning


def days_between(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_fan_sliding_out_of_head_is_warned_then_stepped_down_a_tier_a_month():
    def score(day):
        if day < date(2026, 3, 10):
            return 95 if day.day % 2 else 97  # in head's band, crossing its entry cut-off daily
        if day < date(2026, 4, 27):
            return 60  # below head's and active's exit cut-offs
        return 30  # below potential's exit from the last week of April

    tier, warning, history = "head", None, {}
    for day in days_between(date(2026, 2, 2), date(2026, 6, 1)):
        decision = decide(tier, score(day), RANKING, day, warning, RULES)
        tier, warning = decision.change.tier, decision.warning
        history[day] = (decision.change.reason, tier, decision.announce)
    changes = {day: h for day, h in history.items() if h[0] in ("demoted", "promoted") or h[2]}
    assert changes == {
        date(2026, 3, 25): ("held_by_hysteresis", "head", True),
        date(2026, 4, 1): ("demoted", "active", False),
        date(2026, 4, 24): ("held_by_hysteresis", "active", True),
        date(2026, 5, 1): ("demoted", "potential", False),
        date(2026, 5, 25): ("held_by_hysteresis", "potential", True),
        date(2026, 6, 1): ("demoted", "silent", False),
    }


def test_a_fan_who_drops_only_in_the_last_week_is_held_until_the_next_month():
    def score(day):
        return 90 if day >= date(2026, 2, 24) else 95

    tier, warning = "head", None
    for day in days_between(date(2026, 2, 2), date(2026, 4, 1)):
        decision = decide(tier, score(day), RANKING, day, warning, RULES)
        tier, warning = decision.change.tier, decision.warning
        if day == MAR_1:
            assert (decision.change.reason, tier) == ("held_by_hysteresis", "head")
    assert tier == "active"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(-2, 2)), min_size=5, max_size=40),
    st.randoms(use_true_random=False),
)
def test_drifting_scores_never_flip_within_a_month_and_every_demotion_was_warned(fans, rng):
    scores = [start for start, _ in fans]
    tiers = ["silent"] * len(fans)
    warnings = [None] * len(fans)
    announced = set()
    for day in days_between(date(2026, 1, 1), date(2026, 5, 1)):
        scores = [max(0, s + bias + rng.randint(-3, 3)) for s, (_, bias) in zip(scores, fans, strict=True)]
        ranking = rank(ScoreHistogram.of(scores), RULES)
        for i, score in enumerate(scores):
            decision = decide(tiers[i], score, ranking, day, warnings[i], RULES)
            before, after = TIERS.index(tiers[i]), TIERS.index(decision.change.tier)
            if decision.announce:
                assert below_exit(tiers[i], score, ranking)
                announced.add((i, decision.warning, day))
            if after < before:
                assert day.day == 1, "a daily run demoted"
                assert after == before - 1, "demoted more than one tier"
                warned_on = day - timedelta(days=RULES.warning_days)
                assert (i, DowngradeWarning(decision.change.tier, day), warned_on) in announced
            assert after >= TIERS.index(ranking.entry.tier_of(score)), "a promotion waited past its run"
            tiers[i], warnings[i] = decision.change.tier, decision.warning
