"""The per-fan user rules' signals: the day's earnings on the fan, the peers histogram and what each fan write
adds to the suspect and newcomer records (pure: no AWS)."""

import math
import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import engagement
from chalicelib.domain import fan as fans
from chalicelib.domain.risk import fan_signals, peers, points_farming, redemption_farming
from chalicelib.domain.risk.stats import ScaleFloor, baseline
from chalicelib.persistence import codec

ZONE = "Asia/Shanghai"
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)  # 12:00 on 10 March in Shanghai
DAY = date(2026, 3, 10)
CAPS = {"liked": 3, "commented": 2, "shared": 2, "viewed": 2}
RULES = fan_signals.SignalRules(
    min_points=200, pinned_kinds=frozenset(CAPS), daily_caps=CAPS, new_account_age=timedelta(days=7)
)


# --- earned_today ----------------------------------------------------------------------------------


def test_earnings_add_up_per_community_day_and_start_again_on_the_next():
    fan = fans.credit(fans.Fan("f"), 10, "checkin", "d", NOW, ZONE).fan
    fan = fans.credit(fan, 5, "engagement", "e", NOW + timedelta(hours=1), ZONE).fan
    assert fan.earned_today == fans.DayEarnings(DAY, 15)
    fan = fans.credit(fan, 3, "engagement", "e2", NOW + timedelta(hours=20), ZONE).fan  # 08:00 on the 11th
    assert fan.earned_today == fans.DayEarnings(DAY + timedelta(days=1), 3)
    late = fans.credit(fan, 4, "engagement", "e3", NOW, ZONE).fan  # an award filed under the 10th, after the 11th
    assert late.earned_today == fans.DayEarnings(DAY + timedelta(days=1), 3)


@pytest.mark.parametrize(
    ("kind", "lifetime"), [("adjustment", True), ("refund", False), ("engagement", False), ("checkin", True)]
)
def test_only_points_a_fan_earns_by_acting_count(kind, lifetime):
    fan = fans.credit(fans.Fan("f"), 50, kind, "r", NOW, ZONE, lifetime=lifetime).fan
    counted = kind == "checkin"
    assert fan.earned_today == (fans.DayEarnings(DAY, 50) if counted else None)


def test_a_days_earnings_survive_the_fan_item():
    fan = replace(fans.Fan("f", version=3, created_at=NOW), earned_today=fans.DayEarnings(DAY, 42))
    assert codec.fan_from_item(codec.fan_to_item(fan)).base.earned_today == fans.DayEarnings(DAY, 42)
    assert codec.fan_from_item(codec.fan_to_item(fans.Fan("g", version=1))).base.earned_today is None


# --- the peers histogram ---------------------------------------------------------------------------


def test_a_fan_moves_from_the_bin_of_its_old_total_to_the_new_one():
    old, new = fans.DayEarnings(DAY, 10), fans.DayEarnings(DAY, 200)
    assert peers.moves(old, new) == {(DAY, peers.bin_of(10)): -1, (DAY, peers.bin_of(200)): 1}
    assert peers.moves(old, fans.DayEarnings(DAY, 10)) == {}
    assert peers.moves(fans.DayEarnings(DAY, 10), fans.DayEarnings(DAY, 10)) == {}
    assert peers.moves(old, fans.DayEarnings(DAY + timedelta(days=1), 3)) == {
        (DAY + timedelta(days=1), peers.bin_of(3)): 1
    }
    assert peers.moves(None, fans.DayEarnings(DAY, 10)) == {(DAY, peers.bin_of(10)): 1}
    assert peers.moves(old, None) == {}


@pytest.mark.parametrize("seed", range(5))
def test_the_histograms_median_and_scale_are_those_of_the_totals_within_half_a_bin(seed):
    rng = random.Random(seed)
    totals = [10 + int(rng.lognormvariate(2.0, 1.2)) for _ in range(rng.randrange(30, 3000))]
    histogram: dict[int, int] = {}
    for points in totals:
        histogram[peers.bin_of(points)] = histogram.get(peers.bin_of(points), 0) + 1
    floor = ScaleFloor(absolute=0.05, poisson=False)
    exact = baseline([math.log1p(p) for p in totals], floor, min_history=30)
    binned = peers.baseline(histogram, floor, min_peers=30)
    assert exact is not None and binned is not None and binned.size == len(totals)
    assert binned.median == pytest.approx(exact.median, abs=peers.BIN_WIDTH / 2)
    assert binned.scale == pytest.approx(exact.scale, abs=peers.BIN_WIDTH * 1.5)


def test_too_few_peers_give_no_baseline_and_so_no_far_above_hit():
    assert peers.baseline({peers.bin_of(10): 29}, ScaleFloor(), min_peers=30) is None
    farmer = points_farming.FanEarnings("farmer", 5000)
    signal = points_farming.PointsFarmingInput(DAY, [farmer], {peers.bin_of(10): 29, peers.bin_of(5000): 1})
    [observation] = points_farming.evaluate(signal, points_farming.PointsFarmingConfig(min_peers=31))
    assert observation.level is None
    [observation] = points_farming.evaluate(signal, points_farming.PointsFarmingConfig())
    assert observation.level == "warning" and observation.evidence["peers"] == 30


# --- suspects ----------------------------------------------------------------------------------------


def counted(fan, **counts):
    return replace(fan, engagement_counts={engagement.counts_key(DAY, kind): n for kind, n in counts.items()})


def test_a_fan_at_every_pinned_cap_or_over_the_floor_is_a_suspect_and_a_keen_one_is_not():
    fan = replace(fans.Fan("f"), earned_today=fans.DayEarnings(DAY, 30))
    assert fan_signals.suspect(counted(fan, liked=3, commented=2, shared=2, viewed=1), RULES) is None
    pinned = fan_signals.suspect(counted(fan, liked=3, commented=2, shared=2, viewed=2), RULES)
    assert pinned == fan_signals.FarmingSuspect(DAY, "f", 30, frozenset(CAPS))
    rich = replace(fan, earned_today=fans.DayEarnings(DAY, 200))
    assert fan_signals.suspect(rich, RULES) == fan_signals.FarmingSuspect(DAY, "f", 200, frozenset())
    assert fan_signals.changed_suspect(rich, rich, RULES) is None  # a write not changing it writes nothing


# --- newcomers ---------------------------------------------------------------------------------------


def newcomer(**fields):
    return replace(fans.Fan("new", created_at=NOW - timedelta(days=1), version=1), **fields)


def test_a_newcomers_check_in_is_recorded_at_its_instant():
    before = newcomer()
    at = NOW + timedelta(minutes=3)
    after = replace(before, last_checkin_date=DAY, activity=replace(before.activity, last_core_at=at), version=2)
    found = fan_signals.newcomer(before, after, RULES)
    assert found == fan_signals.Newcomer("new", before.created_at, 0, frozenset({at}), acted_at=at)


def test_a_newcomers_redemption_is_recorded_with_its_units_and_counts_as_another_action():
    before = newcomer(redeemed={"cd": 1})
    at = NOW + timedelta(minutes=3)
    after = replace(before, redeemed={"cd": 3, "poster": 1}, activity=replace(before.activity, last_core_at=at))
    found = fan_signals.newcomer(before, after, RULES)
    assert found is not None and found.other_actions == 4
    assert found.redemptions == frozenset({("cd", at, 2), ("poster", at, 1)})


def test_an_established_fan_or_a_write_adding_nothing_records_nothing():
    old = replace(
        newcomer(), created_at=NOW - timedelta(days=8), activity=replace(newcomer().activity, last_core_at=NOW)
    )
    assert fan_signals.newcomer(old, replace(old, last_checkin_date=DAY), RULES) is None
    fan = newcomer()
    assert fan_signals.newcomer(fan, replace(fan, balance=5), RULES) is None
    first_write = fan_signals.Newcomer("new", fan.created_at, 0, acted_at=fan.created_at)
    assert fan_signals.newcomer(None, fan, RULES) == first_write


def test_a_batchs_writes_of_one_newcomer_merge_in_order():
    then = NOW + timedelta(minutes=1)
    first = fan_signals.Newcomer("n", NOW, 0, frozenset({NOW}), acted_at=NOW)
    later = fan_signals.Newcomer("n", NOW, 2, frozenset(), frozenset({("cd", NOW, 1)}), acted_at=then)
    merged = fan_signals.Newcomer("n", NOW, 2, frozenset({NOW}), frozenset({("cd", NOW, 1)}), acted_at=then)
    assert first.then(later) == merged


def test_a_newcomers_hourly_records_gather_in_any_order_and_keep_its_highest_count():
    """The fan item forgets old days' engagement counts: a later hour may count fewer, yet the fan did act."""
    hours = [
        fan_signals.Newcomer("n", NOW, 3, frozenset({NOW}), acted_at=NOW),
        fan_signals.Newcomer("n", NOW, 1, frozenset({NOW + timedelta(days=1)}), acted_at=NOW + timedelta(days=1)),
        fan_signals.Newcomer("other", NOW, 0, acted_at=NOW),
    ]
    for records in (hours, hours[::-1]):
        found = fan_signals.gathered(records)
        assert found["n"] == fan_signals.Newcomer(
            "n", NOW, 3, frozenset({NOW, NOW + timedelta(days=1)}), acted_at=NOW + timedelta(days=1)
        )
        assert found["other"] == hours[2]
    settled = fan_signals.gathered(hours[:1])
    kept = dict(settled)
    assert fan_signals.gathered(hours[1:], settled) == fan_signals.gathered(hours)
    assert settled == kept  # reused by the next scan: merging onto it changes nothing


# --- redemption farming from newcomers and the stream's counts ------------------------------------


def test_redemption_farming_takes_the_share_and_stock_from_every_redeemed_unit():
    new = [
        redemption_farming.RewardRedemption(f"n{i}", "cd", NOW - timedelta(minutes=i), 1, NOW - timedelta(days=1))
        for i in range(5)
    ]
    config = redemption_farming.RedemptionFarmingConfig()
    farmed = redemption_farming.RedemptionFarmingInput(NOW, new, {"cd": 10}, {"cd": 5})
    assert [o.level for o in redemption_farming.evaluate(farmed, config)] == ["warning"]
    popular = redemption_farming.RedemptionFarmingInput(NOW, new, {"cd": 10}, {"cd": 21})
    [quiet] = redemption_farming.evaluate(popular, config)
    assert quiet.level is None and quiet.evidence["redeemers"] == 21 and quiet.evidence["stock_before"] == 31
    plentiful = redemption_farming.RedemptionFarmingInput(NOW, new, {"cd": 100}, {"cd": 5})
    assert [o.level for o in redemption_farming.evaluate(plentiful, config)] == [None]
