"""The traffic model: daily and weekly rhythm, reproducibility, joins and churn, and what incidents inject."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from backtest.incidents import Injector
from backtest.scenario import ScenarioSpec, parse
from backtest.traffic import Traffic

ZONE = "Asia/Shanghai"


def spec(fans: int = 3000, days: int = 14, incidents: list[dict[str, object]] | None = None) -> ScenarioSpec:
    return parse(
        {
            "seed": 11,
            "start": "2026-03-02",  # a Monday
            "days": days,
            "time_zone": ZONE,
            "fans": fans,
            "rewards": [{"reward_id": "poster", "cost": 40, "stock": 10}],
            "incidents": incidents or [],
        },
        "test",
    )


def baseline(scenario: ScenarioSpec, seed: int = 5) -> list[list[datetime]]:
    traffic = Traffic(scenario, random.Random(seed))
    return [[a.at for a in traffic.day(d, lambda r, a: True)] for d in range(scenario.days)]


def test_the_evening_peak_outweighs_four_in_the_morning() -> None:
    hours = Counter(at.astimezone(spec().zone).hour for day in baseline(spec()) for at in day)
    assert hours[20] > 10 * hours[4]
    assert hours[12] > hours[15]  # the lunch bump


def test_weekends_bring_more_activity_than_midweek() -> None:
    days = baseline(spec())
    weekend = len(days[5]) + len(days[6]) + len(days[12]) + len(days[13])  # Saturdays and Sundays
    midweek = len(days[1]) + len(days[2]) + len(days[8]) + len(days[9])  # Tuesdays and Wednesdays
    assert weekend > 1.2 * midweek


def test_the_same_seed_gives_the_same_traffic_and_another_seed_differs() -> None:
    small = spec(fans=300, days=2)
    assert baseline(small, 3) == baseline(small, 3)
    assert baseline(small, 3) != baseline(small, 4)


def test_most_fans_are_inactive_on_a_given_day_and_a_few_act_most_days() -> None:
    scenario = spec(fans=2000, days=14)
    traffic = Traffic(scenario, random.Random(9))
    active = Counter[str]()
    for d in range(scenario.days):
        active.update({a.fan for a in traffic.day(d, lambda r, a: True) if a.kind == "checkin"})
    daily = sum(active.values()) / scenario.days
    assert daily < 0.2 * scenario.fans
    assert max(active.values()) >= 10  # the heavy tail: near-daily fans exist


def test_fans_act_only_after_joining_and_before_leaving() -> None:
    scenario = spec(fans=1000, days=14)
    traffic = Traffic(scenario, random.Random(2))
    profiles = {f.fan_id: f for f in traffic.fans}
    first, _ = scenario.period()
    for d in range(scenario.days):
        for action in traffic.day(d, lambda r, a: True):
            fan = profiles.get(action.fan)
            if fan is None or action.kind == "publish":
                continue
            assert action.at >= first + timedelta(days=fan.joins_day) - timedelta(minutes=1)
            assert fan.leaves_at is None or action.at < fan.leaves_at + timedelta(days=1)


def injected(kind: str, size: float, minutes: int = 120) -> tuple[ScenarioSpec, Traffic, Injector]:
    incident = {"kind": kind, "start": "2026-03-03T10:00:00+08:00", "duration_minutes": minutes, "size": size}
    scenario = spec(fans=400, days=3, incidents=[incident])
    traffic = Traffic(scenario, random.Random(1))
    caps = {"liked": 3, "commented": 2, "shared": 2, "viewed": 2}
    return scenario, traffic, Injector(scenario.incidents[0], traffic, caps, random.Random(2))


def test_counted_incidents_inject_exactly_their_size_inside_their_window() -> None:
    for kind, action_kind in [
        ("webhook_signature_failures", "bad_signature"),
        ("flagged_content_surge", "flag"),
        ("compliance_flag", "flag"),
    ]:
        scenario, traffic, injector = injected(kind, 37, minutes=36 * 60)  # spans two community days
        first, _ = scenario.period()
        actions = []
        for d in range(scenario.days):
            traffic.day(d, lambda r, a: True)
            actions += injector.day(first + timedelta(days=d), first + timedelta(days=d + 1))
        incident = scenario.incidents[0]
        assert len(actions) == 37 and {a.kind for a in actions} == {action_kind}
        assert all(incident.start <= a.at < incident.end for a in actions)


def test_points_farming_hits_every_cap() -> None:
    scenario, traffic, injector = injected("points_farming", 2)
    first, _ = scenario.period()
    traffic.day(0, lambda r, a: True)
    actions = injector.day(first + timedelta(days=1), first + timedelta(days=2))
    per_fan = Counter((a.fan, a.engagement) for a in actions if a.kind == "engage")
    assert len({fan for fan, _ in per_fan}) == 2
    assert all(per_fan[fan, kind] == cap for fan, _ in per_fan for kind, cap in injector.caps.items())


def test_a_stock_runout_campaign_credits_fans_already_known_and_makes_no_new_account() -> None:
    """Dormant fans checking in at one instant looked like a check-in ring of new accounts to the ring rule."""
    scenario, traffic, injector = injected("stock_runout", 30)
    first, _ = scenario.period()
    traffic.day(0, lambda r, a: True)
    traffic.day(1, lambda r, a: True)
    start = scenario.incidents[0].start
    known = {fan for fan, at in traffic.last_seen.items() if at < start}
    actions = injector.day(first + timedelta(days=1), first + timedelta(days=2))
    credited = {a.fan for a in actions if a.kind == "adjust"}
    assert len(credited) == 30 and credited <= known
    redeemed = [a for a in actions if a.kind == "redeem"]
    assert {a.kind for a in actions} == {"adjust", "redeem"} and len(redeemed) == 30
    assert {a.fan for a in redeemed} == credited


def test_a_kpi_drop_removes_about_its_fraction_inside_its_window_only() -> None:
    scenario, traffic, injector = injected("kpi_drop", 0.6, minutes=24 * 60)
    rng = random.Random(4)
    kept = [injector.kept(rng, a) for d in range(scenario.days) for a in traffic.day(d, lambda r, a: True)]
    replay = Traffic(scenario, random.Random(1))  # the same seed as `injected`'s: the same actions
    actions = [a for d in range(scenario.days) for a in replay.day(d, lambda r, a: True)]
    incident = scenario.incidents[0]
    inside = [
        k for k, a in zip(kept, actions, strict=True) if incident.start <= a.at < incident.end and a.kind != "link"
    ]
    outside = [k for k, a in zip(kept, actions, strict=True) if not incident.start <= a.at < incident.end]
    assert all(outside)
    assert 0.3 < sum(inside) / len(inside) < 0.5
