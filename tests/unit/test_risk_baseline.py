"""A week of realistic baseline traffic stays quiet: Poisson counts with a daily and a weekly rhythm
and day-to-day swings, evaluated as the scheduler would (every 5 minutes, or daily).

Seeded, so each run sees the same week; several seeds and volumes, so a threshold tuned to one
draw would show. The backtest measures the real target (at most one false alert per simulated
week at 5,000 fans); these guard against a change that makes a rule noisy on plain traffic.
"""

import itertools
import math
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.risk import churn_spike, flagged_content, kpi_drop, webhook_signatures
from chalicelib.domain.risk.churn_spike import ChurnInput, ChurnSpikeConfig
from chalicelib.domain.risk.flagged_content import FlaggedContentConfig, FlaggedContentInput
from chalicelib.domain.risk.kpi_drop import KpiDropConfig, KpiDropInput, KpiWindow
from chalicelib.domain.risk.webhook_signatures import WebhookSignaturesConfig, WebhookSignaturesInput

START = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday
FIVE = timedelta(minutes=5)
PER_DAY = 288
PER_WEEK = 7 * PER_DAY
HOURLY = [0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.0, 1.1,
          1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.0, 1.8, 1.2, 0.6]  # fmt: skip
MEAN_HOURLY = sum(HOURLY) / 24


def poisson(rng, mean):
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def traffic(rng, per_day, weeks, swing=0.1):
    """5-minute counts from START: evening peak, busier weekends, each day scaled by a random swing."""
    counts, factor = [], 1.0
    for i in range(weeks * PER_WEEK):
        at = START + FIVE * i
        if i % PER_DAY == 0:
            factor = math.exp(rng.gauss(0, swing))
        weekend = 1.25 if at.weekday() >= 5 else 1.0
        counts.append(poisson(rng, per_day / PER_DAY * HOURLY[at.hour] / MEAN_HOURLY * weekend * factor))
    return counts


def alerts(firing):
    """Evaluations that fire, grouped into alerts: a run of consecutive firing evaluations is one."""
    return sum(1 for before, now in itertools.pairwise([False, *firing]) if now and not before)


@pytest.mark.parametrize(("seed", "per_day"), [(1, 800), (2, 2000), (3, 12000)])
def test_kpi_drop_quiet_over_a_week_of_same_weekday_comparisons(seed, per_day):
    counts = traffic(random.Random(seed), per_day, weeks=9)
    prefix = [0, *itertools.accumulate(counts)]
    window = 6  # 30 minutes

    def total(end):
        return prefix[end] - prefix[end - window]

    firing = []
    for end in range(8 * PER_WEEK, 9 * PER_WEEK + 1):
        series = KpiWindow("interactions", total(end), [total(end - n * PER_WEEK) for n in range(1, 9)])
        seen = kpi_drop.evaluate(KpiDropInput(START + FIVE * end, [series]), KpiDropConfig())
        firing.append(seen[0].level is not None)
    assert alerts(firing) == 0


@pytest.mark.parametrize(("seed", "per_day"), [(4, 6), (5, 40)])
def test_bursts_quiet_over_a_week_of_flags_and_rejections(seed, per_day):
    rng = random.Random(seed)
    counts = traffic(rng, per_day, weeks=1) + traffic(rng, per_day, weeks=1)
    buckets = {START + FIVE * i: n for i, n in enumerate(counts)}
    flags, rejections = [], []
    for end in range(PER_WEEK, 2 * PER_WEEK, 2):  # every 10 minutes, over the second week
        now = START + FIVE * end
        day = {at: buckets[at] for at in (now - FIVE * n for n in range(1, PER_DAY + 2))}
        seen = flagged_content.evaluate(FlaggedContentInput(now, day), FlaggedContentConfig())
        flags.append(seen[0].level is not None)
        signal = WebhookSignaturesInput(now, {"tube": day})
        rejections.append(webhook_signatures.evaluate(signal, WebhookSignaturesConfig())[0].level is not None)
    assert (alerts(flags), alerts(rejections)) == (0, 0)


@pytest.mark.parametrize(("seed", "mean"), [(6, 8), (7, 40), (8, 160)])
def test_churn_spike_at_most_one_alert_in_a_quarter_of_daily_runs(seed, mean):
    """Mondays and Tuesdays churn 20% more and days swing by 15%: a rare Monday may warn, no more."""
    rng = random.Random(seed)
    first = date(2025, 9, 1)
    history, firing = {}, []
    for n in range(40, 160):
        day = first + timedelta(days=n)
        weekly = 1.2 if day.weekday() in (0, 1) else 1.0
        churned = poisson(rng, mean * weekly * math.exp(rng.gauss(0, 0.15)))
        if n >= 70:
            seen = churn_spike.evaluate(ChurnInput(day, churned, history, first), ChurnSpikeConfig())
            firing.append(seen[0].level is not None)
        history[day] = churned
    assert alerts(firing) <= 1
