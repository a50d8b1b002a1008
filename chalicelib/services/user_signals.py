"""The fans stream's share of the per-fan user rules: peers histogram counts and the suspect and newcomer records.

`derive` reads one fan write (both images settled, so deferred awards count as they will once
written) into counter increments and records; `updates` merges a batch's records per item and
turns them into the updates `counters.add` commits with the counts and the shard's checkpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain import fan as fans
from chalicelib.domain.kpis.counting import Key
from chalicelib.domain.risk import fan_signals, peers
from chalicelib.domain.risk.catalog import RiskRules
from chalicelib.domain.settlement import StoredFan, settle
from chalicelib.persistence import user_records
from chalicelib.settings import get_settings

PEERS_PREFIX = "peers#"  # `peers#<community day>` / `bin:<n>`: fans whose day total falls in bin n
PEERS_KEPT = timedelta(days=3)  # from the day's UTC start: the scan reads only the current community day's
BIN = "bin:"
Found = fan_signals.FarmingSuspect | fan_signals.Newcomer


def peers_bucket(day: str) -> str:
    """The counters bucket of a community day's (`YYYY-MM-DD`) peers histogram."""
    return f"{PEERS_PREFIX}{day}"


def expiries(buckets: Iterable[str]) -> dict[str, datetime]:
    """When each peers histogram bucket among `buckets` may be reclaimed (`ttl`); other buckets are kept."""
    found: dict[str, datetime] = {}
    for bucket in buckets:
        if bucket.startswith(PEERS_PREFIX):
            day = date.fromisoformat(bucket.removeprefix(PEERS_PREFIX))
            found[bucket] = datetime(day.year, day.month, day.day, tzinfo=UTC) + PEERS_KEPT
    return found


def histogram(totals: Mapping[str, int]) -> dict[int, int]:
    """The bins of a `peers#<day>` bucket's summed counters."""
    bins = {name[len(BIN) :]: n for name, n in totals.items() if name.startswith(BIN)}
    return {int(bin_): n for bin_, n in bins.items() if bin_.isdigit()}


def signal_rules(rules: RiskRules) -> fan_signals.SignalRules:
    farming = rules.points_farming
    return fan_signals.SignalRules(
        min_points=farming.min_points,
        pinned_kinds=farming.pinned_kinds,
        daily_caps=get_settings().engagement_rules.daily_caps,
        new_account_age=newcomer_age(rules),
    )


def newcomer_age(rules: RiskRules) -> timedelta:
    return max(rules.checkin_rings.new_account_age, rules.redemption_farming.new_account_age)


def derive(old: StoredFan | None, new: StoredFan | None) -> tuple[Counter[Key], list[Found]]:
    settings = get_settings()
    before, after = _settled(old), _settled(new)
    rules = signal_rules(settings.risk_rules)
    counts: Counter[Key] = Counter()
    for (day, bin_), n in peers.moves(_earned(before), _earned(after)).items():
        counts[(peers_bucket(day.isoformat()), f"{BIN}{bin_}")] += n
    found: list[Found] = []
    if (suspect := fan_signals.changed_suspect(before, after, rules)) is not None:
        found.append(suspect)
    if (newcomer := fan_signals.newcomer(before, after, rules)) is not None:
        found.append(newcomer)
    return counts, found


def updates(found: Iterable[Found]) -> list[user_records.Update]:
    """One update per item: a suspect's latest state, a newcomer's writes of one hour merged in order."""
    rules = get_settings().risk_rules
    kept = newcomer_age(rules) + rules.redemption_farming.lookback + timedelta(days=1)
    merged: dict[tuple[str, ...], Found] = {}
    for item in found:
        key = _key(item)
        earlier = merged.get(key)
        if isinstance(item, fan_signals.Newcomer) and isinstance(earlier, fan_signals.Newcomer):
            merged[key] = earlier.then(item)
        else:
            merged[key] = item
    return [
        user_records.newcomer_update(item, kept)
        if isinstance(item, fan_signals.Newcomer)
        else user_records.suspect_update(item)
        for item in merged.values()
    ]


def item_keys(found: Iterable[Found]) -> set[tuple[str, ...]]:
    return {_key(item) for item in found}


def _key(item: Found) -> tuple[str, ...]:
    if isinstance(item, fan_signals.Newcomer):
        return ("newcomer", item.fan_id, user_records.newcomer_hour(item).isoformat())
    return ("suspect", item.day.isoformat(), item.fan_id)


def _settled(stored: StoredFan | None) -> fans.Fan | None:
    if stored is None:
        return None
    settings = get_settings()
    return settle(stored, settings.community_time_zone, settings.score_rules)


def _earned(fan: fans.Fan | None) -> fans.DayEarnings | None:
    return None if fan is None else fan.earned_today
