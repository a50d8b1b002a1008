"""KPI formulas against hand-computed values on a small fixed population in Asia/Tokyo (UTC+9).

Every figure asserted below is counted by hand from the table of fans in `population()`; the day
boundary cases (an action at 00:10 local that is still the previous day in UTC, a fan first seen
at 00:30 local the next day) are the ones a UTC implementation gets wrong.
"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import activity as act
from chalicelib.domain import days
from chalicelib.domain.fan import Fan
from chalicelib.domain.kpis.flows import ContentCounts, DayFlows
from chalicelib.domain.kpis.population import FanFacts, Population, tally
from chalicelib.domain.kpis.ratio import Ratio, pooled
from chalicelib.domain.kpis.snapshot import RATIOS, period, snapshot

TOKYO = "Asia/Tokyo"
DAY = date(2026, 3, 10)
RULES = act.ScoreRules()


def local(year, month, day, hour=12, minute=0, zone=TOKYO):
    return datetime(year, month, day, hour, minute, tzinfo=days.zone(zone)).astimezone(timezone.utc)


def make_fan(created, events, stage="interest", tier="silent", balance=0, zone=TOKYO):
    activity = act.Activity()
    for kind, at in events:
        activity = act.record(activity, kind, at, days.local_day(at, zone), RULES)
    return FanFacts(created, activity, tier, stage, balance)


def population(zone=TOKYO):
    def fan(*args, **kwargs):
        return make_fan(*args, zone=zone, **kwargs)

    return [
        # first seen the day before; checks in at 00:10 local on DAY, still 9 March in UTC
        fan(local(2026, 3, 9, 10), [("checkin", local(2026, 3, 10, 0, 10))], "interest", "potential", 30),
        # first seen the day before at 23:50 local; acts at 23:55 local, 9 March: not retained
        fan(local(2026, 3, 9, 23, 50), [("checkin", local(2026, 3, 9, 23, 55))], "interest", "silent", 10),
        # first seen 7 days before; likes on DAY
        fan(local(2026, 3, 3), [("checkin", local(2026, 3, 3)), ("liked", local(2026, 3, 10, 20))], "participation"),
        # first seen 28 days before, active only that day: previous window, not the current one
        fan(local(2026, 2, 10), [("checkin", local(2026, 2, 10))], "interest", "silent", 5),
        # active 49 days and 9 days before; redeemed 9 days before: retained month over month
        fan(
            local(2026, 1, 1),
            [("checkin", local(2026, 1, 20)), ("checkin", local(2026, 3, 1)), ("redemption", local(2026, 3, 1))],
            "participation",
            "active",
            100,
        ),
        # active 59 days before only: in neither window; churned
        fan(local(2026, 1, 5), [("checkin", local(2026, 1, 10))], "churned", "silent", 0),
        # first seen at 00:30 local on 11 March (15:30 UTC on 10 March): not yet known on DAY
        fan(local(2026, 3, 11, 0, 30), [("checkin", local(2026, 3, 11, 0, 30))], "interest", "silent", 10),
        # new on DAY: checks in, comments twice; a completed view is not a core action
        fan(
            local(2026, 3, 10, 8),
            [
                ("checkin", local(2026, 3, 10, 8)),
                ("commented", local(2026, 3, 10, 9)),
                ("viewed", local(2026, 3, 10, 9)),
            ],
            "interest",
            "head",
            40,
        ),
        # known, never acted
        fan(local(2026, 2, 1), [], "awareness", "silent", 0),
    ]


FLOWS = DayFlows(
    interactions={"checkin": 2, "liked": 1, "commented": 2},
    credits={"checkin": 20, "engagement": 7, "refund": 50, "adjustment": 5},
    debits={"redemption": 120, "expiry": 9, "engagement": 3, "adjustment": 2},
    content=ContentCounts(likes=40, comments=10, shares=5, views=200, completion_sum=120.5, completion_views=160),
    churned=2,
    resurrected=1,
)


@pytest.fixture
def snap():
    return snapshot(DAY, FLOWS, tally(population(), DAY, TOKYO))


def test_population_counts_by_hand(snap):
    assert (snap.fans_total, snap.new_fans) == (8, 1)
    assert (snap.dau, snap.wau, snap.mau) == (3, 4, 5)
    assert snap.tiers == {"potential": 1, "silent": 5, "active": 1, "head": 1}
    assert snap.lifecycle == {"interest": 4, "participation": 2, "churned": 1, "awareness": 1}
    assert snap.points_outstanding == 30 + 10 + 0 + 5 + 100 + 0 + 40 + 0
    assert snap.partial_fans == 0


def test_ratios_by_hand(snap):
    assert snap.stickiness == Ratio(3, 5)
    assert snap.active_fan_ratio == Ratio(5, 8)
    assert snap.interaction_rate == Ratio(3, 7)  # 8 known, 1 churned
    assert snap.interaction_depth == Ratio(5, 3)
    assert snap.retention_d1 == Ratio(1, 2)
    assert snap.retention_d7 == Ratio(1, 1)
    assert snap.retention_d28 == Ratio(0, 1)
    assert snap.monthly_retention == Ratio(1, 2)  # previous window: the 28-day-old fan and the 49-day one
    assert snap.redemption_conversion == Ratio(1, 5)
    assert snap.content_interaction_rate == Ratio(55, 200)
    assert snap.view_completion.value == pytest.approx(120.5 / 160)
    assert snap.growth_quick_ratio == Ratio(1 + 1, 2)


def test_points_split_by_ledger_kind(snap):
    assert (snap.points_earned, snap.points_refunded) == (32, 50)
    assert (snap.points_spent, snap.points_expired, snap.points_reversed) == (120, 9, 5)
    net = sum(FLOWS.credits.values()) - sum(FLOWS.debits.values())
    out = snap.points_spent + snap.points_expired + snap.points_reversed
    assert snap.points_earned + snap.points_refunded - out == net


def test_interactions_total_and_by_kind(snap):
    assert snap.interactions == 5
    body = snap.to_dict()
    assert body["interactions"]["total"] == 5
    assert body["interactions"]["by_kind"] == {
        "checkin": 2,
        "commented": 2,
        "liked": 1,
        "published": 0,
        "redemption": 0,
        "shared": 0,
    }


def test_the_day_is_the_community_day_not_utc():
    """The same instants in a UTC community: the 00:10 (Tokyo) check-in falls on 9 March, the fan
    first seen at 00:30 on 11 March (Tokyo) is new on 10 March, the one new at 08:00 is 9 March's."""
    in_utc = snapshot(DAY, FLOWS, tally(population("UTC"), DAY, "UTC"))
    assert (in_utc.fans_total, in_utc.new_fans, in_utc.dau) == (9, 1, 3)
    assert in_utc.retention_d1 == Ratio(1, 3)


def test_document_shape_and_every_api_kpi(snap):
    body = snap.to_dict()
    api = {
        "fans_total", "new_fans", "dau", "wau", "mau", "stickiness", "active_fan_ratio", "interactions",
        "interaction_rate", "interaction_depth", "retention_d1", "retention_d7", "retention_d28",
        "monthly_retention", "redemption_conversion", "content_interaction_rate", "view_completion",
        "points_earned", "points_spent", "points_expired", "points_outstanding", "tiers", "lifecycle",
        "growth_quick_ratio",
    }  # fmt: skip
    assert api <= set(body)
    assert body["day"] == "2026-03-10"
    assert body["stickiness"] == {"value": 0.6, "numerator": 3, "denominator": 5}
    for name in RATIOS:
        assert set(body[name]) == {"value", "numerator", "denominator"}


def test_an_empty_day_has_no_ratio_values():
    empty = snapshot(DAY, DayFlows(), tally([], DAY, TOKYO))
    assert all(getattr(empty, name).value is None for name in RATIOS)
    assert empty.to_dict()["retention_d1"] == {"value": None, "numerator": 0, "denominator": 0}
    assert (empty.fans_total, empty.dau, empty.points_outstanding) == (0, 0, 0)


def test_retention_cohorts_follow_the_first_seen_day():
    created = local(2026, 2, 10, 23, 59)  # day -28, one minute before midnight
    late = local(2026, 2, 11, 0, 1)  # day -27
    facts = [
        make_fan(created, [("checkin", local(2026, 3, 10, 7))]),
        make_fan(late, [("checkin", local(2026, 3, 10, 7))]),
        make_fan(local(2026, 3, 3, 0, 0), [("shared", local(2026, 3, 10, 23, 59))]),
        make_fan(local(2026, 3, 2, 23, 59), [("shared", local(2026, 3, 10, 23, 59))]),
    ]
    snap = snapshot(DAY, DayFlows(), tally(facts, DAY, TOKYO))
    assert snap.retention_d28 == Ratio(1, 1)
    assert snap.retention_d7 == Ratio(1, 1)
    assert snap.retention_d1 == Ratio(0, 0)


def test_a_dst_change_moves_the_day_boundary_in_utc():
    """Los Angeles springs forward on 8 March 2026: midnight of 9 March is 07:00 UTC, not 08:00."""
    zone = "America/Los_Angeles"
    just_after = datetime(2026, 3, 9, 7, 30, tzinfo=timezone.utc)  # 00:30 PDT on 9 March
    facts = [make_fan(just_after, [("checkin", just_after)], zone=zone)]
    on_the_ninth = tally(facts, date(2026, 3, 9), zone)
    assert (on_the_ninth.new_fans, on_the_ninth.dau) == (1, 1)
    assert tally(facts, date(2026, 3, 8), zone).fans_total == 0


def test_a_fan_who_acted_since_is_exact_for_a_recent_past_day_and_partial_beyond():
    facts = [make_fan(local(2026, 1, 1), [("checkin", local(2026, 1, 20)), ("checkin", local(2026, 3, 18))])]
    eight_days_back = tally(facts, DAY, TOKYO)  # newest activity 18 March: 8 days after DAY
    assert (eight_days_back.active_previous_28, eight_days_back.partial) == (1, 0)
    nine_days_back = tally(facts, DAY - timedelta(days=1), TOKYO)
    assert nine_days_back.partial == 1


def test_facts_of_a_fan_read_its_stored_state():
    at = local(2026, 3, 10)
    stored = Fan("f1", balance=12, tier="active", lifecycle_stage="loyalty", created_at=at)
    assert FanFacts.of(stored) == FanFacts(at, act.Activity(), "active", "loyalty", 12)


def test_population_counts_round_trip_and_refuse_unknown_names():
    counted = tally(population(), DAY, TOKYO)
    assert Population.from_counts(counted.to_counts()) == counted
    with pytest.raises(ValueError, match="unknown population count"):
        Population.from_counts({"dau": 1, "daus": 2})
    with pytest.raises(ValueError, match="unknown population count"):
        Population.from_counts({"tiers.": 2})


def test_flows_refuse_what_they_do_not_count():
    with pytest.raises(ValueError, match="core actions"):
        DayFlows(interactions={"viewed": 3})
    with pytest.raises(ValueError, match="ledger kinds"):
        DayFlows(credits={"bonus": 3})
    with pytest.raises(ValueError, match=">= 0"):
        DayFlows(churned=-1)
    with pytest.raises(ValueError, match=r"0\.\.1"):
        ContentCounts(completion_sum=3.5, completion_views=3)


def test_a_period_pools_numerators_and_denominators():
    quiet = snapshot(DAY, DayFlows(), Population(fans_total=10, mau=2, dau=1))
    busy = snapshot(DAY + timedelta(days=1), DayFlows(), Population(fans_total=10, mau=8, dau=8))
    week = period([quiet, busy, quiet])  # the repeated day counts once
    assert week["stickiness"] == Ratio(9, 10)  # not the mean of 0.5 and 1.0
    assert week["retention_d1"].value is None
    assert set(week) == set(RATIOS)


def test_ratio_documents_round_trip_and_the_value_is_recomputed():
    assert Ratio.from_dict({"value": 0.99, "numerator": 1, "denominator": 4}) == Ratio(1, 4)
    assert Ratio.from_dict(Ratio(2.5, 4).to_dict()).value == 0.625
    with pytest.raises(ValueError):
        Ratio.from_dict({"numerator": "1", "denominator": 4})
    with pytest.raises(ValueError):
        Ratio(-1, 2)
    assert pooled([]) == Ratio(0, 0)


def test_content_counts_file_each_engagement_in_the_community_day_of_its_own_instant():
    from chalicelib.domain.kpis import counting

    late = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)  # 00:30 on 10 March in Tokyo
    viewed = counting.content_counts(counting.ContentEngagement("viewed", late, 0.6666), "Asia/Tokyo")
    bucket = counting.day_bucket(date(2026, 3, 10))
    assert viewed == {
        (bucket, "content:views"): 1,
        (bucket, "content:completion_views"): 1,
        (bucket, "content:completion_milli"): 667,
    }
    assert counting.content_counts(counting.ContentEngagement("viewed", late), "UTC") == {
        (counting.day_bucket(date(2026, 3, 9)), "content:views"): 1
    }
    assert counting.content_counts(counting.ContentEngagement("published", late), "UTC") == {}
    flows = counting.day_flows(
        {"content:likes": 2, "content:views": 4, "content:completion_milli": 1500, "content:completion_views": 2}
    )
    assert flows.content == ContentCounts(likes=2, views=4, completion_sum=1.5, completion_views=2)
    with pytest.raises(ValueError, match="unknown content counters"):
        counting.day_flows({"content:hearts": 1})
