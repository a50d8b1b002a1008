"""Content, compliance, operations and technical risk rules: pattern, baseline, near-misses, levels."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.risk import flagged_content, kpi_drop, legal_flags, stock_out, webhook_signatures
from chalicelib.domain.risk.flagged_content import ContentFlag, FlaggedContentConfig, FlaggedContentInput
from chalicelib.domain.risk.kpi_drop import KpiDropConfig, KpiDropInput, KpiWindow
from chalicelib.domain.risk.legal_flags import LegalFlagsConfig, LegalFlagsInput
from chalicelib.domain.risk.stock_out import RewardStock, StockOutConfig, StockOutInput
from chalicelib.domain.risk.webhook_signatures import WebhookSignaturesConfig, WebhookSignaturesInput

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
FIVE = timedelta(minutes=5)


def only(observations):
    assert len(observations) == 1
    json.dumps(observations[0].evidence)
    return observations[0]


def quiet_day(per_bucket=0, buckets=288):
    """A day of 5-minute buckets before the latest window, each with `per_bucket` events."""
    return {NOW - FIVE * n: per_bucket for n in range(1, buckets + 1)}


# --- flagged-content surge ------------------------------------------------------------------------


def flag(n, severity="low", reason="spam", ago=timedelta(minutes=1)):
    return ContentFlag("tube", f"c{n}", reason, severity, NOW - ago)


def surge(buckets, recent=(), since=None):
    signal = FlaggedContentInput(NOW, buckets, recent, since)
    return only(flagged_content.evaluate(signal, FlaggedContentConfig()))


def with_recent(buckets, count):
    """`count` flags in the latest 30 minutes, spread over its buckets."""
    updated = dict(buckets)
    for n in range(count):
        key = NOW - FIVE * (1 + n % 6)
        updated[key] = updated.get(key, 0) + 1
    return updated


def test_flag_surge_quiet_on_a_usual_day():
    usual = {NOW - FIVE * n: (1 if n % 12 == 0 else 0) for n in range(1, 289)}  # one flag an hour
    assert surge(with_recent(usual, 2)).level is None


def test_flag_surge_fires_and_lists_the_worst_flags_first():
    flags = [flag(1, "low", ago=timedelta(minutes=2)), flag(2, "high"), flag(3, "medium")]
    seen = surge(with_recent(quiet_day(), 16), flags)
    assert seen.level == "warning" and seen.dedup_key == "content:flagged_content_surge:community"
    assert seen.evidence["count"] == 16
    assert [f["severity"] for f in seen.evidence["flags"]["items"]] == ["high", "medium", "low"]


def test_flag_surge_near_misses():
    assert surge(with_recent(quiet_day(), 14)).level is None  # under the count guard
    busy = quiet_day(2)  # 12 per 30 minutes as a rule
    assert surge(with_recent(busy, 16)).level is None  # 28 vs a median of 12, scale sqrt(12): z 4.6
    assert surge(with_recent(busy, 18)).level == "warning"  # 30: z 5.2
    since = NOW - timedelta(minutes=5 * 6 * 12)  # 11 earlier windows only
    assert surge(with_recent({}, 45), since=since).level is None
    assert surge(with_recent({}, 45), since=since - timedelta(minutes=30)).level == "activate"


@pytest.mark.parametrize(("count", "level"), [(15, "warning"), (40, "activate"), (150, "escalate")])
def test_flag_surge_levels(count, level):
    assert surge(with_recent(quiet_day(), count)).level == level


def test_a_raid_within_5_minutes_fires_before_the_30_minute_count_is_reached():
    raid = quiet_day() | {NOW - FIVE: 4}
    seen = surge(raid)
    assert seen.level == "warning"
    assert (seen.evidence["window_minutes"], seen.evidence["count"]) == (5, 4)
    assert seen.evidence["surprise"] == 50.0  # nothing in the day before: any flag is a surprise
    assert surge(quiet_day() | {NOW - FIVE: 12}).level == "activate"


def test_a_raid_near_misses():
    assert surge(quiet_day() | {NOW - FIVE: 3}).level is None  # under the count guard
    forty_a_day = {NOW - FIVE * n: (1 if n % 7 == 0 else 0) for n in range(1, 289)}
    assert surge(forty_a_day | {NOW - FIVE: 4}).level is None  # surprise 4.8 at 0.14 a window
    assert surge(forty_a_day | {NOW - FIVE: 6}).level == "warning"
    five_hours = NOW - FIVE * 60  # 59 earlier windows: under the 72 the 5-minute rule needs
    assert surge({NOW - FIVE: 4}, since=five_hours).level is None


# --- legal flags ----------------------------------------------------------------------------------


def legal(flags, config=None):
    return only(legal_flags.evaluate(LegalFlagsInput(NOW, flags), config or LegalFlagsConfig()))


@pytest.mark.parametrize(
    ("reason", "is_legal"),
    [("copyright", True), ("DMCA takedown", True), ("Legal: defamation", True), ("privacy_violation", True),
     ("spam", False), ("nudity", False), ("illegally cute", False), ("lawful", False)],
)  # fmt: skip
def test_legal_reasons_are_matched_by_words(reason, is_legal):
    assert legal_flags.is_legal(reason, legal_flags.LEGAL_REASONS) is is_legal


@pytest.mark.parametrize(("severity", "level"), [("low", "warning"), ("medium", "activate"), ("high", "escalate")])
def test_one_legal_flag_fires_at_its_severity(severity, level):
    seen = legal([flag(1, severity, "copyright")])
    assert seen.level == level and seen.category == "compliance"
    assert seen.evidence["flags"]["items"][0]["content_id"] == "c1"


def test_legal_flags_take_the_worst_and_ignore_other_reasons_and_old_flags():
    flags = [
        flag(1, "low", "copyright"),
        flag(2, "high", "spam"),
        flag(3, "medium", "privacy", ago=timedelta(hours=3)),
        flag(4, "high", "dmca", ago=timedelta(hours=25)),
    ]
    seen = legal(flags)
    assert seen.level == "activate"
    assert [f["content_id"] for f in seen.evidence["flags"]["items"]] == ["c3", "c1"]
    assert legal([flag(2, "high", "spam")]).level is None
    assert legal([]).level is None


def test_legal_severity_mapping_is_configuration():
    config = LegalFlagsConfig(severity_levels={"low": "activate", "medium": "activate", "high": "escalate"})
    assert legal([flag(1, "low", "copyright")], config).level == "activate"
    with pytest.raises(ValueError):
        LegalFlagsConfig(severity_levels={"high": "escalate"})


# --- KPI drop -------------------------------------------------------------------------------------


def drop(current, weeks, name="checkins"):
    return only(kpi_drop.evaluate(KpiDropInput(NOW, [KpiWindow(name, current, weeks)]), KpiDropConfig()))


WEEKS = [400, 380, 420, 410, 395, 405, 390, 415]


def test_kpi_drop_quiet_on_a_usual_week_and_fires_on_a_fall():
    assert drop(385, WEEKS).level is None
    seen = drop(180, WEEKS)
    assert seen.level == "activate" and seen.scope == "kpi#checkins"
    assert seen.dedup_key == "operations:kpi_drop:kpi#checkins"
    assert seen.evidence["drop"] == pytest.approx(1 - 180 / 402.5, abs=1e-3)


@pytest.mark.parametrize(("current", "level"), [(300, None), (270, "warning"), (200, "activate"), (60, "escalate")])
def test_kpi_drop_levels_need_z_and_drop(current, level):
    assert drop(current, WEEKS).level == level


def test_kpi_drop_near_misses():
    assert drop(0, [15, 18, 12, 16]).level is None  # volume guard: the median is under 20
    assert drop(0, [400, None, 410, None, None]).level is None  # two weeks of data: no history yet
    assert drop(0, [400, None, 410, None, 395]).level == "escalate"


def test_kpi_drop_with_mad_0_uses_the_floor():
    assert drop(300, [400] * 8).level is None  # scale max(5% of 400, sqrt 400) = 20: z 5, but a 25% drop
    assert drop(240, [400] * 8).level == "warning"  # z 8, a 40% drop


def test_kpi_drop_tolerates_a_past_outage_in_the_history():
    assert drop(385, [400, 0, 420, 410, 395]).level is None
    assert drop(100, [400, 0, 420, 410, 395]).level == "activate"


def test_kpi_drop_holds_between_its_warning_line_and_recovery_and_where_it_cannot_judge():
    assert (drop(270, WEEKS).level, drop(270, WEEKS).holds) == ("warning", False)
    hovering = drop(300, WEEKS)  # a 25% drop: under the warning line, not yet back
    assert (hovering.level, hovering.holds) == (None, True)
    assert drop(385, WEEKS).holds is False  # 4% off: recovered
    assert drop(350, [400] * 8).holds is True  # 12.5% off, yet z 2.5 (scale 20): not back within the noise
    assert drop(370, [400] * 8).holds is False  # 7.5% off and z 1.5: both back
    assert drop(380, WEEKS[:2]).holds is True  # too little history to say either way
    assert drop(0, [15, 18, 12, 16]).holds is True  # a night's volume: nothing to judge


def test_kpi_drop_recovery_share_is_configurable_and_checked():
    strict = KpiDropConfig(recovery=0.2)  # recovered only within z 0.8 and a 6% drop
    [seen] = kpi_drop.evaluate(KpiDropInput(NOW, [KpiWindow("checkins", 370, [400] * 8)]), strict)
    assert (seen.level, seen.holds) == (None, True)  # recovered by the default's measure (above)
    with pytest.raises(ValueError, match="recovery"):
        KpiDropConfig(recovery=1.5)


def lasting(current, *days, config=None):
    """A window with the same window on the days before (each: its current, the usual WEEKS)."""
    window = KpiWindow("interactions", current, WEEKS, [KpiWindow("interactions", day, WEEKS) for day in days])
    return only(kpi_drop.evaluate(KpiDropInput(NOW, [window]), config or KpiDropConfig()))


def test_a_drop_seen_on_two_of_the_three_days_before_is_a_lasting_level_held_not_raised():
    seen = lasting(200, 210, 400, 190)
    assert (seen.level, seen.holds) == (None, True)  # an open alert stays open; nothing new is raised
    assert seen.evidence["days_as_low_before"] == 2 and "lasting level" in seen.summary
    assert lasting(200, 210, 190, 180).level is None
    assert lasting(200, 330, 400, 340).level is None  # under the warning line those days, yet not back


@pytest.mark.parametrize(
    "days",
    [(), (400, 395, 410), (210, 400, 405), (210, 400, 405, 190), (375, 380, 210)],  # 375: 7% off, back
)
def test_a_drop_is_raised_unless_it_was_seen_on_enough_days_before(days):
    seen = lasting(200, *days)
    assert seen.level == "activate" and seen.evidence["days_as_low_before"] == sum(d < 350 for d in days[:3])


def test_days_before_with_too_little_history_or_volume_do_not_count_as_low():
    quiet = KpiWindow("interactions", 0, [15, 18, 12, 16])
    young = KpiWindow("interactions", 0, [400, None])
    window = KpiWindow("interactions", 200, WEEKS, [quiet, young, quiet])
    assert only(kpi_drop.evaluate(KpiDropInput(NOW, [window]), KpiDropConfig())).level == "activate"


def test_a_lasting_level_is_configurable_and_checked():
    assert lasting(200, 210, 400, 190, config=KpiDropConfig(lasting_days=0)).level == "activate"  # never lasting
    assert lasting(200, 210, 400, 400, config=KpiDropConfig(lasting_days=1)).level is None
    assert lasting(200, 400, 400, 190, config=KpiDropConfig(recent_days=2)).level == "activate"  # day 3 not read
    with pytest.raises(ValueError, match="lasting_days"):
        KpiDropConfig(recent_days=2, lasting_days=3)
    assert kpi_drop.dropped(KpiWindow("x", 200, WEEKS), KpiDropConfig())
    assert not kpi_drop.dropped(KpiWindow("x", 380, WEEKS), KpiDropConfig())


def test_kpi_drop_judges_each_kpi_on_its_own():
    seen = kpi_drop.evaluate(
        KpiDropInput(NOW, [KpiWindow("redemptions", 2, [60, 58, 61]), KpiWindow("checkins", 390, WEEKS)]),
        KpiDropConfig(),
    )
    # 97% down, but a count of 60 has a Poisson spread of 7.7: z 7.5 holds it at activate
    assert [(o.scope, o.level) for o in seen] == [("kpi#checkins", None), ("kpi#redemptions", "activate")]


# --- stock running out ----------------------------------------------------------------------------


def stock(remaining, day, week, until=None, hour=0):
    signal = StockOutInput(NOW, [RewardStock("poster", remaining, day, week, until, hour)])
    return only(stock_out.evaluate(signal, StockOutConfig()))


def test_stock_uses_the_last_hour_in_a_rush():
    seen = stock(200, 3, 3, hour=3)  # 3 in the hour: 72 a day, 2.8 days left
    assert (seen.level, seen.evidence["units_per_day"]) == ("warning", 72)
    assert stock(100, 3, 3, hour=3).level == "activate"  # 1.4 days
    assert stock(200, 2, 3, hour=2).level is None  # two in the hour: the week's 3 units rule, 467 days


def test_stock_quiet_with_plenty_and_fires_as_it_runs_out():
    assert stock(500, 5, 35).level is None  # 100 days
    seen = stock(30, 5, 35)  # 6 days at 5/day
    assert seen.level == "warning" and seen.evidence["days_left"] == 6
    assert stock(9, 5, 35).level == "activate"  # 1.8 days
    assert stock(0, 5, 35).level == "activate"  # sold out, still open, in demand


def test_stock_uses_the_last_day_when_it_is_faster():
    assert stock(100, 60, 70).level == "activate"  # 60 in a day: 1.7 days, not the week's 10 days
    assert stock(100, 4, 70).level is None  # 4 in a day is under min_units_day: the week's 10/day rules


def test_stock_near_misses():
    assert stock(36, 5, 35).level is None  # 7.2 days
    assert stock(2, 1, 2).level is None  # two units this week: too few to forecast
    assert stock(30, 5, 35, until=NOW + timedelta(days=3)).level is None  # the window closes first
    assert stock(30, 5, 35, until=NOW + timedelta(days=10)).level == "warning"
    assert stock(0, 5, 35, until=NOW - timedelta(hours=1)).level is None  # closed


def test_stock_config_validation_and_sold_out_level():
    with pytest.raises(ValueError):
        StockOutConfig(warning_days=1, activate_days=2)
    signal = StockOutInput(NOW, [RewardStock("tee", 0, 5, 35)])
    assert only(stock_out.evaluate(signal, StockOutConfig(sold_out_level="escalate"))).level == "escalate"


# --- rejected webhook signatures ------------------------------------------------------------------


def rejected(per_platform, since=None):
    signal = WebhookSignaturesInput(NOW, per_platform, since)
    return webhook_signatures.evaluate(signal, WebhookSignaturesConfig())


def now_bucket(buckets, count):
    return {**buckets, NOW - FIVE: count}


def test_signatures_quiet_on_a_usual_trickle_and_fire_on_a_burst():
    trickle = {NOW - FIVE * n: n % 3 for n in range(1, 289)}  # 0-2 rejections per 5 minutes (stale retries)
    assert only(rejected({"tube": now_bucket(trickle, 3)})).level is None
    seen = only(rejected({"tube": now_bucket(trickle, 150)}))
    assert seen.level == "activate" and seen.scope == "platform#tube" and seen.category == "technical"
    assert seen.evidence["count"] == 150 and seen.evidence["platform"] == "tube"


def test_signatures_near_misses_and_levels():
    assert only(rejected({"tube": now_bucket(quiet_day(), 19)})).level is None  # under the count guard
    assert only(rejected({"tube": now_bucket(quiet_day(), 20)})).level == "warning"
    assert only(rejected({"tube": now_bucket(quiet_day(), 1000)})).level == "escalate"
    busy = quiet_day(40)
    assert only(rejected({"tube": now_bucket(busy, 80)})).level is None  # twice the usual 40: z 4
    no_history = {"tube": {NOW - FIVE: 500}}
    assert only(rejected(no_history, since=NOW - timedelta(minutes=30))).level is None


def test_signatures_one_observation_per_platform():
    seen = rejected({"tube": now_bucket(quiet_day(), 50), "gram": quiet_day()})
    assert [(o.scope, o.level) for o in seen] == [("platform#gram", None), ("platform#tube", "warning")]
