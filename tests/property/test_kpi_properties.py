"""KPI invariants over random populations: the tally splits and merges exactly, ratios pool sanely."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import activity as act
from chalicelib.domain import days
from chalicelib.domain.kpis.flows import DayFlows
from chalicelib.domain.kpis.population import FanFacts, Population, tally
from chalicelib.domain.kpis.ratio import Ratio, pooled
from chalicelib.domain.kpis.snapshot import snapshot

ZONE = "America/Los_Angeles"
DAY = date(2026, 3, 9)  # the day after the spring-forward change
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
RULES = act.ScoreRules()

events = st.lists(
    st.tuples(st.sampled_from(act.KINDS), st.integers(0, 80 * 24 * 60)),
    max_size=12,
)
fans = st.builds(
    lambda created, happened, stage, tier, balance: _facts(created, happened, stage, tier, balance),
    st.one_of(st.none(), st.integers(0, 80 * 24 * 60)),
    events,
    st.sampled_from(["awareness", "interest", "participation", "churned"]),
    st.sampled_from(["silent", "potential", "active", "head"]),
    st.integers(0, 500),
)


def _facts(created, happened, stage, tier, balance):
    activity = act.Activity()
    for kind, minute in happened:
        at = START + timedelta(minutes=minute)
        activity = act.record(activity, kind, at, days.local_day(at, ZONE), RULES)
    created_at = None if created is None else START + timedelta(minutes=created)
    return FanFacts(created_at, activity, tier, stage, balance)


@given(st.lists(fans, max_size=30), st.integers(0, 30))
def test_tallies_of_parts_merge_into_the_tally_of_the_whole(population, cut):
    whole = tally(population, DAY, ZONE)
    parts = tally(population[:cut], DAY, ZONE).merge(tally(population[cut:], DAY, ZONE))
    assert parts == whole
    assert Population.from_counts(whole.to_counts()) == whole


@given(st.lists(fans, max_size=30))
def test_counts_nest_as_their_definitions_say(population):
    p = tally(population, DAY, ZONE)
    assert p.dau <= p.wau <= p.mau <= p.fans_total
    assert p.new_fans <= p.fans_total and p.churned <= p.fans_total
    assert p.retained_28 <= min(p.active_previous_28, p.mau)
    assert p.redeemers_28 <= p.mau
    for n in (1, 7, 28):
        assert getattr(p, f"retained_d{n}") <= min(getattr(p, f"cohort_d{n}"), p.dau)
    assert sum(p.tiers.values()) == sum(p.lifecycle.values()) == p.fans_total
    snap = snapshot(DAY, DayFlows(), p)
    for ratio in (snap.stickiness, snap.active_fan_ratio, snap.monthly_retention, snap.redemption_conversion):
        assert ratio.value is None or 0 <= ratio.value <= 1


ratios = st.builds(
    lambda n, extra: Ratio(n, n + extra),
    st.integers(0, 1000),
    st.integers(0, 1000),
)


@given(st.lists(ratios, min_size=1, max_size=20))
def test_a_pooled_ratio_lies_between_its_days_and_ignores_their_order(days_):
    total = pooled(days_)
    assert total == pooled(reversed(days_))
    values = [r.value for r in days_ if r.value is not None]
    if values:
        assert min(values) - 1e-12 <= total.value <= max(values) + 1e-12
    else:
        assert total.value is None
