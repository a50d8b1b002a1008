"""A backtest scenario file: who the community is, for how long, and which incidents are injected when.

Scenario files are hand-written; every refusal names the field (`incidents[2].size: ...`) so that a
typo fails at load with a readable message, never as a strange report after ten minutes of simulation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

IncidentKind = Literal[
    "points_farming",
    "checkin_ring",
    "redemption_farming",
    "stock_runout",
    "flagged_content_surge",
    "compliance_flag",
    "churn_spike",
    "kpi_drop",
    "webhook_signature_failures",
]
INCIDENT_KINDS: tuple[IncidentKind, ...] = get_args(IncidentKind)
FRACTION_KINDS = frozenset({"churn_spike", "kpi_drop"})
"""Kinds whose `size` is the fraction of normal activity lost; the others count accounts, items or deliveries."""
REWARD_KINDS = frozenset({"redemption_farming", "stock_runout"})
MAX_FANS = 100_000
MAX_DAYS = 366
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SETTING = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_PROTECTED_SETTINGS = ("AWS_", "WEBHOOK_SECRETS", "DEV_JWT", "JWKS", "TABLE_PREFIX", "ALERTS_TOPIC_ARN", "JOB_QUEUE")


class ScenarioError(ValueError):
    """The scenario file is not a valid scenario."""


@dataclass(frozen=True)
class RewardSpec:
    reward_id: str
    cost: int
    stock: int


@dataclass(frozen=True)
class IncidentSpec:
    incident_id: str
    kind: IncidentKind
    start: datetime
    duration_minutes: int
    size: float
    reward_id: str | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    seed: int
    start: date
    days: int
    time_zone: str
    fans: int
    rewards: tuple[RewardSpec, ...]
    incidents: tuple[IncidentSpec, ...] = ()
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def period(self) -> tuple[datetime, datetime]:
        """Local midnight of the first day to local midnight after the last."""
        first = datetime.combine(self.start, time(), self.zone)
        return first, datetime.combine(self.start + timedelta(days=self.days), time(), self.zone)


def load(path: Path) -> ScenarioSpec:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read ({error})") from error
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{path}: not JSON ({error})") from error
    try:
        return parse(data, path.stem)
    except ScenarioError as error:
        raise ScenarioError(f"{path}: {error}") from error


def parse(data: Any, name: str) -> ScenarioSpec:
    root = _object(data, "scenario")
    known = {"seed", "start", "days", "time_zone", "fans", "rewards", "incidents", "settings", "description"}
    _no_unknown(root, known, "scenario")
    days = _integer(root, "days", "days", 1, MAX_DAYS)
    zone_name = _text(root, "time_zone", "time_zone")
    try:
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScenarioError(f"time_zone: unknown IANA time zone {zone_name!r}") from error
    try:
        start = date.fromisoformat(_text(root, "start", "start"))
    except ValueError as error:
        raise ScenarioError("start: expected a date YYYY-MM-DD") from error
    rewards = tuple(_reward(item, f"rewards[{n}]") for n, item in enumerate(_list(root, "rewards")))
    ids = [r.reward_id for r in rewards]
    if len(set(ids)) != len(ids):
        raise ScenarioError("rewards: reward ids repeat")
    spec = ScenarioSpec(
        name=name,
        seed=_integer(root, "seed", "seed", 0, 2**63 - 1),
        start=start,
        days=days,
        time_zone=zone_name,
        fans=_integer(root, "fans", "fans", 1, MAX_FANS),
        rewards=rewards,
        settings=_settings(root.get("settings", {})),
    )
    incidents = tuple(
        _incident(item, n, spec) for n, item in enumerate(_list(root, "incidents") if "incidents" in root else [])
    )
    return ScenarioSpec(**{**spec.__dict__, "incidents": incidents})


def _incident(data: Any, index: int, spec: ScenarioSpec) -> IncidentSpec:
    where = f"incidents[{index}]"
    item = _object(data, where)
    _no_unknown(item, {"kind", "start", "duration_minutes", "size", "reward_id", "note"}, where)
    kind = _text(item, "kind", f"{where}.kind")
    if kind not in INCIDENT_KINDS:
        raise ScenarioError(f"{where}.kind: unknown kind {kind!r}; kinds are {', '.join(INCIDENT_KINDS)}")
    try:
        start = datetime.fromisoformat(_text(item, "start", f"{where}.start"))
    except ValueError as error:
        raise ScenarioError(f"{where}.start: expected an RFC 3339 time") from error
    if start.utcoffset() is None:
        raise ScenarioError(f"{where}.start: expected a time with a UTC offset (RFC 3339)")
    first, last = spec.period()
    if not first <= start < last:
        raise ScenarioError(f"{where}.start: {start.isoformat()} is outside the simulated period")
    duration = _integer(item, "duration_minutes", f"{where}.duration_minutes", 1, spec.days * 24 * 60)
    size = _size(item.get("size"), kind, f"{where}.size")
    reward_id = item.get("reward_id")
    if reward_id is not None and reward_id not in {r.reward_id for r in spec.rewards}:
        raise ScenarioError(f"{where}.reward_id: {reward_id!r} is not one of the scenario's rewards")
    if kind in REWARD_KINDS and not spec.rewards:
        raise ScenarioError(f"{where}: {kind} needs at least one reward in `rewards`")
    return IncidentSpec(f"{index + 1:02d}-{kind}", kind, start, duration, size, reward_id)


def _size(value: Any, kind: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: expected a number")
    if kind in FRACTION_KINDS:
        if not 0 < value <= 1:
            raise ScenarioError(f"{where}: {kind} takes the fraction of normal activity lost, in (0, 1]")
        return float(value)
    if value != int(value) or not 1 <= value <= MAX_FANS:
        raise ScenarioError(f"{where}: {kind} takes a whole number of accounts, items or deliveries, 1 to {MAX_FANS}")
    return float(value)


def _reward(data: Any, where: str) -> RewardSpec:
    item = _object(data, where)
    _no_unknown(item, {"reward_id", "cost", "stock"}, where)
    reward_id = _text(item, "reward_id", f"{where}.reward_id")
    if not _NAME.match(reward_id):
        raise ScenarioError(f"{where}.reward_id: expected lower-case letters, digits and dashes")
    return RewardSpec(
        reward_id,
        _integer(item, "cost", f"{where}.cost", 1, 10**6),
        _integer(item, "stock", f"{where}.stock", 0, 10**6),
    )


def _settings(data: Any) -> dict[str, str]:
    """Environment overrides for the simulated deployment (e.g. shorter lifecycle windows); never secrets or wiring."""
    found = _object(data, "settings")
    for key, value in found.items():
        if not _SETTING.match(key) or key.startswith(_PROTECTED_SETTINGS):
            raise ScenarioError(f"settings.{key}: not a setting a scenario may override")
        if not isinstance(value, str):
            raise ScenarioError(f"settings.{key}: expected a string (an environment value)")
    return dict(found)


def _object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected an object")
    return data


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ScenarioError(f"{key}: expected a list")
    return value


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a string")
    return value


def _integer(data: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: expected an integer")
    if not low <= value <= high:
        raise ScenarioError(f"{where}: {value} is outside {low}..{high}")
    return value


def _no_unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(f"{where}: unknown fields {unknown}")
