"""User risk rules: each fires on its pattern and stays quiet on the baseline and on near-misses."""

import json
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.risk import checkin_rings, churn_spike, points_farming, redemption_farming
from chalicelib.domain.risk.checkin_rings import CheckinRingConfig, CheckinRingInput
from chalicelib.domain.risk.churn_spike import ChurnInput, ChurnSpikeConfig
from chalicelib.domain.risk.fan_signals import Newcomer
from chalicelib.domain.risk.points_farming import FanEarnings, PointsFarmingConfig, PointsFarmingInput
from chalicelib.domain.risk.redemption_farming import (
    RedemptionFarmingConfig,
    RedemptionFarmingInput,
    RewardRedemption,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
DAY = date(2026, 3, 10)
ALL_CAPS = frozenset({"liked", "commented", "shared", "viewed"})


def only(observations):
    assert len(observations) == 1
    json.dumps(observations[0].evidence)  # JSON-able, always
    return observations[0]


# --- points farming -------------------------------------------------------------------------------


def peers(n=200, seed=7):
    """Realistic earners: most check in (10), many engage a little, a few a lot, below every cap."""
    rng = random.Random(seed)
    return [FanEarnings(f"p{i}", 10 + int(rng.lognormvariate(2.0, 1.0))) for i in range(n)]


def farm(*fans):
    return only(points_farming.evaluate(PointsFarmingInput(DAY, [*peers(), *fans]), PointsFarmingConfig()))


def test_farming_quiet_on_realistic_peers():
    seen = farm()
    assert seen.level is None and seen.scope == "community"
    assert seen.evidence["fans"] == {"items": [], "count": 0}


def test_farming_fires_on_a_fan_far_above_peers():
    seen = farm(FanEarnings("farmer", 900))
    assert seen.level == "warning"
    assert seen.evidence["fans"]["items"][0]["fan_id"] == "farmer"
    assert seen.evidence["fans"]["items"][0]["reasons"] == ["far_above_peers"]
    assert seen.dedup_key == "user:points_farming:community"
    assert seen.runbook == "operations.md#points-farming"


def test_farming_fires_on_fans_pinned_at_every_cap():
    seen = farm(*(FanEarnings(f"bot{i}", 150 + i, ALL_CAPS) for i in range(3)))
    assert seen.level == "warning"
    assert seen.evidence["pinned_at_every_cap"] == 3
    assert [fan["fan_id"] for fan in seen.evidence["fans"]["items"]] == ["bot2", "bot1", "bot0"]
    assert seen.evidence["fans"]["items"][0]["reasons"] == ["pinned_at_every_cap"]


def test_farming_near_misses_stay_quiet():
    assert farm(FanEarnings("keen", 199)).level is None  # high, but under min_points
    assert farm(*(FanEarnings(f"three-caps{i}", 150, ALL_CAPS - {"shared"}) for i in range(5))).level is None
    assert farm(FanEarnings("superfan", 150, ALL_CAPS), FanEarnings("other", 140, ALL_CAPS)).level is None


def test_farming_needs_enough_peers_for_far_above():
    few = [FanEarnings(f"p{i}", 10) for i in range(28)]  # with the fan judged: 29 earners
    config = PointsFarmingConfig()
    alone = only(points_farming.evaluate(PointsFarmingInput(DAY, [*few, FanEarnings("x", 5000)]), config))
    assert alone.level is None and alone.evidence["peer_median_points"] is None
    pinned = [FanEarnings(f"bot{i}", 150, ALL_CAPS) for i in range(3)]  # pinning needs no peers
    assert only(points_farming.evaluate(PointsFarmingInput(DAY, [*few, *pinned]), config)).level == "warning"


def test_farming_with_mad_0_uses_the_floor():
    flat = [FanEarnings(f"p{i}", 10) for i in range(100)]  # everyone checks in: MAD 0
    config = PointsFarmingConfig()
    assert only(points_farming.evaluate(PointsFarmingInput(DAY, [*flat, FanEarnings("a", 40)]), config)).level is None
    assert only(points_farming.evaluate(PointsFarmingInput(DAY, [*flat, FanEarnings("a", 250)]), config)).level == (
        "warning"
    )


@pytest.mark.parametrize(("farmers", "level"), [(2, None), (3, "warning"), (10, "activate"), (40, "escalate")])
def test_farming_level_follows_the_fans_pinned(farmers, level):
    seen = farm(*(FanEarnings(f"bot{i}", 160, ALL_CAPS) for i in range(farmers)))
    assert seen.level == level
    assert seen.evidence["fans"]["count"] == farmers
    assert len(seen.evidence["fans"]["items"]) == min(farmers, 20)


@pytest.mark.parametrize(("farmers", "level"), [(1, "warning"), (4, "warning"), (5, "activate"), (25, "escalate")])
def test_farming_level_follows_the_fans_far_above(farmers, level):
    assert farm(*(FanEarnings(f"x{i}", 1000, frozenset()) for i in range(farmers))).level == level


def test_farming_takes_the_higher_of_the_two_levels():
    far = [FanEarnings(f"x{i}", 1000) for i in range(1)]
    pinned = [FanEarnings(f"bot{i}", 160, ALL_CAPS) for i in range(10)]
    assert farm(*far, *pinned).level == "activate"


# --- check-in rings -------------------------------------------------------------------------------


def account(fan_id, first_seen, *checkins, other=0):
    return Newcomer(fan_id, first_seen, other, frozenset(checkins))


def ring(n, at, *, prefix="r", days=1, spread=timedelta(seconds=3), other=0, age=timedelta(hours=1)):
    return [
        account(
            f"{prefix}{i}",
            at - age,
            *(at - timedelta(days=d) + i * spread for d in range(days)),
            other=other,
        )
        for i in range(n)
    ]


def organic(n=60, seed=3):
    """New fans signing up through the day, checking in when they come; half go on to engage."""
    rng = random.Random(seed)
    accounts = []
    for i in range(n):
        first = NOW - timedelta(seconds=rng.uniform(0, 6 * 86400))
        accounts.append(account(f"o{i}", first, first, other=rng.choice([0, 0, 3])))
    return accounts


def rings(accounts, config=None):
    return only(checkin_rings.evaluate(CheckinRingInput(NOW, accounts), config or CheckinRingConfig()))


def test_rings_quiet_on_organic_sign_ups():
    seen = rings(organic())
    assert seen.level is None and seen.evidence["burst_count"] == 0


def test_rings_fire_on_new_accounts_in_lockstep():
    seen = rings([*organic(), *ring(8, NOW - timedelta(minutes=3))])
    assert seen.level == "warning"
    assert seen.evidence["ring_accounts"] == 8
    assert seen.evidence["bursts"][0]["fans"]["count"] == 8


def test_rings_near_misses_stay_quiet():
    at = NOW - timedelta(minutes=3)
    assert rings(ring(7, at)).level is None  # one account short
    assert rings(ring(8, at, spread=timedelta(seconds=9))).level is None  # 63 s from first to last
    assert rings(ring(8, at, other=1)).level is None  # they also did something else
    assert rings(ring(8, at, age=timedelta(days=8))).level is None  # not new
    mixed = [*ring(7, at), account("liker", at - timedelta(hours=1), at, other=2)]
    assert rings(mixed).level is None
    repeated = [*ring(6, at), account("twice", at - timedelta(hours=1), at, at + timedelta(seconds=2))]
    assert rings(repeated).level is None  # seven accounts, whatever the number of check-ins


@pytest.mark.parametrize(("size", "days", "level"), [(8, 1, "warning"), (15, 1, "activate"), (8, 2, "activate"),
                                                      (8, 3, "escalate"), (50, 1, "escalate")])  # fmt: skip
def test_rings_level_follows_size_and_repetition(size, days, level):
    seen = rings(ring(size, NOW - timedelta(minutes=2), days=days, spread=timedelta(seconds=1), age=timedelta(days=4)))
    assert seen.level == level
    assert seen.evidence["most_days_in_lockstep"] == days


def test_a_chatty_account_does_not_hide_a_ring():
    at = NOW - timedelta(hours=2)
    chatty = account("chatty", at - timedelta(hours=1), *(at + timedelta(seconds=s) for s in range(12)))
    assert rings([chatty, *ring(8, NOW - timedelta(minutes=5))]).level == "warning"


def test_rings_find_two_bursts_apart():
    seen = rings([*ring(9, NOW - timedelta(hours=5), prefix="a"), *ring(8, NOW - timedelta(hours=1), prefix="b")])
    assert seen.evidence["burst_count"] == 2 and seen.evidence["ring_accounts"] == 17
    assert seen.level == "activate"
    assert [b["fans"]["count"] for b in seen.evidence["bursts"]] == [9, 8]


def test_ring_config_validation():
    with pytest.raises(ValueError):
        CheckinRingConfig(min_accounts=1)


# --- redemption farming ---------------------------------------------------------------------------


def redemption(fan_id, reward_id="poster", *, age=timedelta(days=2), ago=timedelta(hours=2)):
    at = NOW - ago
    return RewardRedemption(fan_id, reward_id, at, 1, at - age)


def redemptions(items, stock=None):
    signal = RedemptionFarmingInput(NOW, items, stock if stock is not None else {"poster": 40})
    return redemption_farming.evaluate(signal, RedemptionFarmingConfig())


def test_redemption_farming_fires_on_new_accounts_taking_a_scarce_reward():
    old = [redemption(f"loyal{i}", age=timedelta(days=200)) for i in range(10)]
    new = [redemption(f"new{i}") for i in range(5)]
    seen = only(redemptions(old + new))
    assert seen.level == "warning" and seen.scope == "reward#poster"
    assert seen.dedup_key == "user:redemption_farming:reward#poster"
    assert seen.evidence["new_accounts"]["count"] == 5
    assert seen.evidence["stock_before"] == 55


def test_redemption_farming_near_misses_stay_quiet():
    new = [redemption(f"new{i}") for i in range(5)]
    assert only(redemptions(new[:4])).level is None  # one short
    assert only(redemptions(new, {"poster": 96})).level is None  # 101 before: not scarce
    assert only(redemptions(new, {})).level is None  # stock unknown: not judged scarce
    older = [redemption(f"n{i}", age=timedelta(days=7, minutes=1)) for i in range(5)]
    assert only(redemptions(older)).level is None
    stale = [redemption(f"n{i}", ago=timedelta(hours=25)) for i in range(5)]
    assert only(redemptions(stale)).level is None  # outside the look-back
    popular = [redemption(f"loyal{i}", age=timedelta(days=90)) for i in range(16)]
    assert only(redemptions(popular + new)).level is None  # 5 of 21 redeemers: under the 25% share


@pytest.mark.parametrize(("n", "level"), [(9, "warning"), (10, "activate"), (25, "escalate")])
def test_redemption_farming_levels(n, level):
    assert only(redemptions([redemption(f"n{i}") for i in range(n)])).level == level


def test_redemption_farming_gives_one_observation_per_reward_clear_where_quiet():
    seen = redemptions(
        [redemption(f"n{i}") for i in range(6)] + [redemption("a", "mug")], {"poster": 10, "mug": 5, "cap": 3}
    )
    assert [(o.scope, o.level) for o in seen] == [
        ("reward#cap", None),
        ("reward#mug", None),
        ("reward#poster", "warning"),
    ]


# --- churn spike ----------------------------------------------------------------------------------


def history(values, end=DAY):
    return {end - timedelta(days=n): v for n, v in enumerate(values, start=1)}


def churn(count, values, first_day=None, config=None):
    signal = ChurnInput(DAY, count, history(values), first_day)
    return only(churn_spike.evaluate(signal, config or ChurnSpikeConfig()))


BASE = [30, 34, 28, 31, 29, 35, 33, 27, 30, 32, 31, 29, 30, 34, 28, 31, 29, 35, 33, 27, 30]


def test_churn_spike_fires_far_above_baseline():
    seen = churn(90, BASE)
    assert seen.level == "activate"  # z about 11, but 3x the median: the ratio holds it at activate
    assert seen.evidence["baseline_median"] == 30 and seen.evidence["history_days"] == 21


def test_churn_spike_quiet_on_baseline_and_near_misses():
    assert churn(38, BASE).level is None
    assert churn(57, BASE).level is None  # scale sqrt(30) = 5.5: z 4.9
    assert churn(90, BASE[:13]).level is None  # 13 days of history
    assert churn(19, [2] * 28).level is None  # 9.5x the median, but under the volume guard


def test_churn_spike_with_mad_0_uses_the_floor():
    flat = [10] * 28  # MAD 0: scale max(2, 0.1 x 10, sqrt(10)) = 3.16
    assert churn(25, flat).level is None  # z 4.7
    assert churn(26, flat).level == "warning"  # z 5.1, 2.6x: the z holds it at warning


def test_churn_spike_ignores_days_before_the_community_could_churn():
    start_up = [80] + [0] * 29  # yesterday's is the first cohort to reach 30 idle days
    first_day = DAY - timedelta(days=31)
    assert churn(80, start_up, first_day).level is None
    assert churn(80, start_up).level == "escalate"  # without first_day the zeros look like a baseline


@pytest.mark.parametrize(("count", "level"), [(60, "warning"), (80, "activate"), (130, "escalate")])
def test_churn_spike_levels_need_z_and_ratio(count, level):
    assert churn(count, BASE).level == level


def test_the_user_rules_run_with_no_signal_at_all():
    assert only(points_farming.evaluate(PointsFarmingInput(DAY, []), PointsFarmingConfig())).level is None
    assert rings([]).level is None
    assert redemptions([], {}) == []
    assert churn(0, []).level is None
