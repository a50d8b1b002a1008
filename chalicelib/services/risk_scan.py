"""The risk scan: every 5 minutes, read each wired rule's signal, judge it, hand the observations to alerting.

Signals are read, never kept here: stream-kept counters (5-minute slots in hour buckets, day
buckets), the flag records the flag deliveries wrote, the rejection counts, the rewards table.
Time is the `now` argument only (the backtest drives it). Overlap-safe and idempotent by
alerting's own conditions: two scans at once decide and publish each notification once, and a
scan that finds what the last one found writes nothing (docs/operations.md, "Risk scan").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain import days
from chalicelib.domain.alerts.model import Observation
from chalicelib.domain.kpis import counting
from chalicelib.domain.rewards import Reward
from chalicelib.domain.risk import (
    checkin_rings,
    churn_spike,
    flagged_content,
    kpi_drop,
    legal_flags,
    points_farming,
    redemption_farming,
    signals,
    stats,
    stock_out,
    webhook_signatures,
)
from chalicelib.domain.risk.catalog import RiskRules
from chalicelib.domain.risk.fan_signals import Newcomer
from chalicelib.persistence import counters, reads, user_records
from chalicelib.services import alerting, counter_history, flag_history, newcomer_history, user_signals
from chalicelib.settings import get_settings

KPI_WINDOW = timedelta(minutes=60)  # docs/operations.md#kpi-drop: twice a 30-minute count, so a halving shows at z 4
KPIS = {"interactions": signals.INTERACTIONS, "checkins": signals.CHECKINS}
RECENT = timedelta(hours=25)  # the longest 5-minute history a rule reads (a day and its window)
WEEK_DAYS = 7
DAY = timedelta(days=1)
SETTLED = timedelta(minutes=15)  # a bucket this long past its end no longer moves: the streams' iterator-age
# alarms fire once a handler lags 5 minutes for 5 minutes, and a technical alert holds the KPI rules


@dataclass(frozen=True)
class Scanned:
    observations: int
    levels: dict[str, int]
    evaluated: dict[str, object]


class _Hours:
    """Hour buckets' totals read once per scan, keyed by the hour's start; absent buckets remembered as such.

    An hour that ended `SETTLED` before now is read once per process (`counter_history`)."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._read: dict[datetime, dict[str, int]] = {}

    def totals(self, starts: Iterable[datetime]) -> dict[datetime, dict[str, int]]:
        for start in starts:
            if start not in self._read:
                settled = start + signals.HOUR <= self._now - SETTLED
                self._read[start] = counter_history.totals(signals.hour_bucket(start), settled)
        return {start: self._read[start] for start in starts}


def scan(now: datetime) -> Scanned:
    """Judge every wired rule as of `now` and pass what they observed to `alerting.evaluate`."""
    rules = get_settings().risk_rules
    hours = _Hours(now)
    recent = hours.totals(signals.hours_between(now - RECENT, now))
    flags = _flags(now - _flag_lookback(rules), now)
    newcomers = _newcomers(now, rules)
    rewards = reads.rewards()
    observations = [
        *_points_farming(now, rules),
        *_checkin_rings(now, newcomers, rules),
        *_redemption_farming(now, newcomers, recent, rewards, rules),
        *_webhook_signatures(now, recent, rules),
        *_flagged_content(now, flags, rules),
        *legal_flags.evaluate(legal_flags.LegalFlagsInput(now, flags), rules.legal_flags),
        *_stock_out(now, recent, rewards, rules),
        *_kpi_drop(now, hours, rules),
        *_churn_spike(now, rules),
    ]
    timed = [_timed(o, rules) for o in observations]
    evaluated = alerting.evaluate(timed, now)
    levels: dict[str, int] = {}
    for observation in timed:
        if observation.level is not None:
            levels[observation.rule] = levels.get(observation.rule, 0) + 1
    return Scanned(len(timed), levels, asdict(evaluated))


def _timed(observation: Observation, rules: RiskRules) -> Observation:
    """The rule's configured timing on its observation: what the lifecycle waits, repeats and clears by."""
    timing = rules.timing(observation.rule)
    repeat = timing.repeat[observation.level] if observation.level else None
    return replace(observation, pending=timing.pending, clear_period=timing.clear_after, repeat_interval=repeat)


def _flags(start: datetime, end: datetime) -> list[flagged_content.ContentFlag]:
    """Every flag received in [start, end), oldest first: a UTC day ended `SETTLED` ago from memory."""
    found: list[flagged_content.ContentFlag] = []
    day, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    while day <= last:
        settled = datetime(day.year, day.month, day.day, tzinfo=UTC) + DAY + SETTLED <= end
        found += [flag for flag in flag_history.of_day(day, start, settled) if start <= flag.at < end]
        day += DAY
    return found


def _flag_lookback(rules: RiskRules) -> timedelta:
    surge = rules.flagged_content_surge
    windows = [rule.window * (rule.history_windows + 1) for rule in (surge.burst, surge.fast)]
    return max(*windows, rules.legal_flags.lookback)


def _newcomers(now: datetime, rules: RiskRules) -> list[Newcomer]:
    """Every fan first seen within the rules' reach (a newcomer's age and the redemption look-back), with what
    it did since: one query per hour not yet settled, the settled ones from this process's memory."""
    since = now - user_signals.newcomer_age(rules) - rules.redemption_farming.lookback
    hours = signals.hours_between(since, signals.hour_start(now) + signals.HOUR)
    found = newcomer_history.newcomers([(start, start + signals.HOUR <= now - SETTLED) for start in hours])
    return [n for n in found if since <= n.first_seen_at <= now]


def _points_farming(now: datetime, rules: RiskRules) -> list[Observation]:
    """The community day's suspects against every fan who earned that day (the peers histogram): two queries."""
    day = days.local_day(now, get_settings().community_time_zone)
    peers = user_signals.histogram(counters.totals(user_signals.peers_bucket(day.isoformat())))
    suspects = [points_farming.FanEarnings(s.fan_id, s.points, s.capped_kinds) for s in user_records.suspects(day)]
    signal = points_farming.PointsFarmingInput(day, suspects, peers)
    return points_farming.evaluate(signal, rules.points_farming)


def _checkin_rings(now: datetime, newcomers: list[Newcomer], rules: RiskRules) -> list[Observation]:
    return checkin_rings.evaluate(checkin_rings.CheckinRingInput(now, newcomers), rules.checkin_rings)


def _redemption_farming(
    now: datetime,
    newcomers: list[Newcomer],
    recent: Mapping[datetime, Mapping[str, int]],
    rewards: list[Reward],
    rules: RiskRules,
) -> list[Observation]:
    """Newcomers' redemptions against every redemption of the look-back (the redemptions stream's 5-minute
    counts, of which the scan keeps 25 hours: a longer look-back is read as 25 hours) and the stock left."""
    since = now - rules.redemption_farming.lookback
    units: dict[str, int] = {}
    for name in signals.signals_with_prefix(recent.values(), signals.REDEEMED):
        reward_id = name.removeprefix(signals.REDEEMED)
        units[reward_id] = sum(n for start, n in signals.series(recent, name).items() if start >= since - signals.SLOT)
    redemptions = [
        redemption_farming.RewardRedemption(n.fan_id, reward_id, at, quantity, n.first_seen_at)
        for n in newcomers
        for reward_id, at, quantity in n.redemptions
    ]
    stock = {reward.reward_id: reward.stock_remaining for reward in rewards}
    signal = redemption_farming.RedemptionFarmingInput(now, redemptions, stock, units)
    return redemption_farming.evaluate(signal, rules.redemption_farming)


def _webhook_signatures(
    now: datetime, recent: Mapping[datetime, Mapping[str, int]], rules: RiskRules
) -> list[Observation]:
    names = signals.signals_with_prefix(recent.values(), signals.REJECTED)
    rejected = {name.removeprefix(signals.REJECTED): signals.series(recent, name) for name in names}
    signal = webhook_signatures.WebhookSignaturesInput(now, rejected)
    return webhook_signatures.evaluate(signal, rules.webhook_signatures)


def _flagged_content(now: datetime, flags: list[flagged_content.ContentFlag], rules: RiskRules) -> list[Observation]:
    window = max(rules.flagged_content_surge.burst.window, rules.flagged_content_surge.fast.window)
    buckets: dict[datetime, int] = {}
    for flag in flags:
        at = flag.at.astimezone(UTC)
        start = at.replace(minute=at.minute // 5 * 5, second=0, microsecond=0)
        buckets[start] = buckets.get(start, 0) + 1
    latest = [flag for flag in flags if now - window <= flag.at < now]
    signal = flagged_content.FlaggedContentInput(now, buckets, latest)
    return flagged_content.evaluate(signal, rules.flagged_content_surge)


def _stock_out(
    now: datetime, recent: Mapping[datetime, Mapping[str, int]], rewards: list[Reward], rules: RiskRules
) -> list[Observation]:
    today = now.astimezone(UTC).date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    week = [
        counter_history.totals(signals.day_bucket(today - timedelta(days=n)), midnight - (n - 1) * DAY + SETTLED <= now)
        for n in range(WEEK_DAYS)
    ]
    stocks = []
    for reward in rewards:
        name = f"{signals.REDEEMED}{reward.reward_id}"
        slots = signals.series(recent, name)
        last_day = sum(n for start, n in slots.items() if now - timedelta(days=1) <= start)
        last_hour = sum(n for start, n in slots.items() if now - timedelta(hours=1) <= start)
        stocks.append(
            stock_out.RewardStock(
                reward.reward_id,
                reward.stock_remaining,
                last_day,
                max(last_day, sum(day.get(name, 0) for day in week)),
                reward.available_until,
                last_hour,
            )
        )
    return stock_out.evaluate(stock_out.StockOutInput(now, stocks), rules.stock_out)


def _kpi_drop(now: datetime, hours: _Hours, rules: RiskRules) -> list[Observation]:
    """Each KPI's last hour against the same hour of the same weekday in recent weeks; for one that drops,
    the same hour of the days before too, each against its own weekday (a lasting level is held)."""
    config = rules.kpi_drop
    windows = []
    for kpi, signal in KPIS.items():
        window = _kpi_window(kpi, signal, now, hours, config.weeks)
        if kpi_drop.dropped(window, config):
            days = [
                _kpi_window(kpi, signal, now - timedelta(days=n), hours, config.weeks)
                for n in range(1, config.recent_days + 1)
            ]
            window = replace(window, previous_days=days)
        windows.append(window)
    return kpi_drop.evaluate(kpi_drop.KpiDropInput(now, windows), config)


def _kpi_window(kpi: str, signal: str, end: datetime, hours: _Hours, weeks: int) -> kpi_drop.KpiWindow:
    """The KPI's window ending at `end` and the same window 1..`weeks` weeks earlier.

    A week none of whose hour buckets holds anything has no data (None): before counting began, or
    an hour with no activity at all, which the volume guard would leave unjudged anyway.
    """
    merged: dict[datetime, int] = {}
    present: list[bool] = []
    for n in range(weeks + 1):
        shifted = end - timedelta(weeks=n)
        found = hours.totals(signals.hours_between(shifted - KPI_WINDOW, shifted))
        present.append(any(found.values()))
        merged |= signals.series(found, signal)
    current, history = stats.weekly_windows(merged, end, KPI_WINDOW, weeks)
    previous = [value if present[n] else None for n, value in enumerate(history, start=1)]
    return kpi_drop.KpiWindow(kpi, current, previous)


def _churn_spike(now: datetime, rules: RiskRules) -> list[Observation]:
    """Once an hour (the first scan of each): churn moves once a day, after the update-lifecycle run at 00:00
    local, and files its transitions under the day before."""
    if now.astimezone(UTC).minute >= 5:
        return []
    config = rules.churn_spike
    day = days.local_day(now, get_settings().community_time_zone) - timedelta(days=1)
    history: dict[date, int] = {}
    churned = 0
    for n in range(config.baseline_days + 1):
        totals = counter_history.totals(counting.day_bucket(day - timedelta(days=n)), n >= 1)  # day - 1 ended a day ago
        if n == 0:
            churned = totals.get(counting.CHURNED, 0)
        elif totals:
            history[day - timedelta(days=n)] = totals.get(counting.CHURNED, 0)
    return churn_spike.evaluate(churn_spike.ChurnInput(day, churned, history), config)
