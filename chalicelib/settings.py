"""Typed settings, read from the environment once per process.

Earning rules and thresholds live here as data so that operators change them by configuration,
not by code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

from chalicelib.domain import days
from chalicelib.domain.activity import ScoreRules
from chalicelib.domain.alerts.model import LEVELS, AlertPolicy
from chalicelib.domain.checkin import CheckinRules, StreakBonus
from chalicelib.domain.engagement import KINDS, EngagementRules
from chalicelib.domain.lifecycle import LifecycleRules
from chalicelib.domain.risk.catalog import RiskRules
from chalicelib.domain.tiers import TierRules


class SettingsError(ValueError):
    """A configuration value is missing or malformed; raised at start-up, never per request."""


@dataclass(frozen=True)
class Settings:
    stage: str
    version: str
    table_prefix: str
    region: str
    community_time_zone: str
    checkin_rules: CheckinRules
    points_expiry_months: int
    time_zone_change_days: int
    idempotency_ttl_hours: int
    max_body_bytes: int
    catalogue_cache_seconds: float
    fan_cache_size: int
    jwt_issuer: str | None
    jwt_audience: str | None
    jwks_url: str | None
    dev_public_key_path: str | None
    write_attempts: int
    request_attempts: int
    request_seconds: float
    engagement_rules: EngagementRules
    webhook_secrets: dict[str, tuple[str, ...]]
    webhook_secrets_parameter: str | None
    webhook_dedupe_days: int
    content_stat_shards: int
    score_rules: ScoreRules
    lifecycle_rules: LifecycleRules
    tier_rules: TierRules
    alerts_topic_arn: str | None
    alert_policy: AlertPolicy
    risk_rules: RiskRules
    job_segments: int  # a run's parallel-scan segments, one worker each (docs/jobs.md)
    job_queue_url: str | None  # the segment queue; unset, runs are worked in-process (local stack, tests)
    job_queue_max_receives: int  # the queue's maxReceiveCount: a segment failing its last receive fails its run

    def table_name(self, entity: str) -> str:
        return f"{self.table_prefix}-{entity}"

    @property
    def event_bus(self) -> str:
        """The EventBridge bus outgoing domain events go to (API.md: `<prefix>-events`)."""
        return f"{self.table_prefix}-events"


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def _streak_bonuses(raw: str) -> tuple[StreakBonus, ...]:
    try:
        items = json.loads(raw)
        bonuses = tuple(StreakBonus(every=int(i["every"]), points=int(i["points"])) for i in items)
    except (ValueError, TypeError, KeyError) as exc:
        raise SettingsError('CHECKIN_STREAK_BONUSES must be a JSON list like [{"every": 7, "points": 20}]') from exc
    if any(b.every < 1 or b.points < 0 for b in bonuses):
        raise SettingsError("CHECKIN_STREAK_BONUSES needs every >= 1 and points >= 0")
    return bonuses


def _engagement_rules(raw: str | None) -> EngagementRules:
    """Overrides for the default rules, e.g. {"points": {"liked": 2}, "daily_caps": {"liked": 50}}."""
    defaults = EngagementRules()
    if not raw:
        return defaults
    try:
        data = json.loads(raw)
        points = {**defaults.points, **{k: int(v) for k, v in data.get("points", {}).items()}}
        caps = {**defaults.daily_caps, **{k: int(v) for k, v in data.get("daily_caps", {}).items()}}
        completion = float(data.get("min_view_completion", defaults.min_view_completion))
    except (ValueError, TypeError, AttributeError) as exc:
        raise SettingsError(
            "ENGAGEMENT_RULES must be a JSON object of points, daily_caps, min_view_completion"
        ) from exc
    unknown = (set(points) | set(caps)) - set(KINDS)
    if unknown or any(v < 0 for v in (*points.values(), *caps.values())) or not 0 <= completion <= 1:
        raise SettingsError(f"ENGAGEMENT_RULES has unknown kinds {sorted(unknown)} or negative values")
    return EngagementRules(points=points, daily_caps=caps, min_view_completion=completion)


def _webhook_secrets(raw: str | None) -> dict[str, tuple[str, ...]]:
    """{"platform": ["whsec_...", ...]}: several secrets per platform allow rotation."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
        secrets = {str(p): tuple(str(s) for s in values) for p, values in data.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise SettingsError('WEBHOOK_SECRETS must be JSON like {"tiktok": ["whsec_..."]}') from exc
    if any(not values or not all(v.startswith("whsec_") for v in values) for values in secrets.values()):
        raise SettingsError("every WEBHOOK_SECRETS platform needs at least one whsec_ secret")
    return secrets


def _score_rules(raw: str | None) -> ScoreRules:
    """Overrides, e.g. {"weights": {"shared": 8}, "half_life_days": 21}."""
    defaults = ScoreRules()
    if not raw:
        return defaults
    try:
        data = json.loads(raw)
        weights = {**defaults.weights, **{str(k): int(v) for k, v in data.get("weights", {}).items()}}
        half_life = timedelta(days=float(data.get("half_life_days", defaults.half_life.days)))
        return ScoreRules(weights=weights, half_life=half_life)
    except (ValueError, TypeError, AttributeError) as exc:
        raise SettingsError(f"SCORE_RULES must be JSON of weights and half_life_days: {exc}") from exc


def _lifecycle_rules(raw: str | None) -> LifecycleRules:
    """Overrides of the thresholds, e.g. {"participation_days": 5, "churned_after_days": 45}."""
    if not raw:
        return LifecycleRules()
    try:
        data = {str(k): int(v) for k, v in json.loads(raw).items()}
        durations = {name: timedelta(days=data.pop(f"{name}_days")) for name in _DURATIONS if f"{name}_days" in data}
        return LifecycleRules(**data, **durations)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError) as exc:
        raise SettingsError(f"LIFECYCLE_RULES must be JSON of the documented thresholds: {exc}") from exc


_DURATIONS = ("loyalty_tenure", "at_risk_after", "churned_after")


def _tier_rules(raw: str | None) -> TierRules:
    """Overrides, e.g. {"entry_shares": [0.05, 0.25, 0.55], "exit_shares": [0.1, 0.3, 0.6], "warning_days": 7}."""
    defaults = TierRules()
    if not raw:
        return defaults
    try:
        data = json.loads(raw)
        unknown = set(data) - {"entry_shares", "exit_shares", "warning_days"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        entry = tuple(float(v) for v in data.get("entry_shares", defaults.entry_shares))
        leave = tuple(float(v) for v in data.get("exit_shares", defaults.exit_shares))
        if len(entry) != 3 or len(leave) != 3:
            raise ValueError("entry_shares and exit_shares are three cumulative shares: head, active, potential")
        warning_days = int(data.get("warning_days", defaults.warning_days))
        return TierRules(entry_shares=entry, exit_shares=leave, warning_days=warning_days)
    except (ValueError, TypeError, AttributeError) as exc:
        raise SettingsError(f"TIER_RULES must be JSON of entry_shares, exit_shares and warning_days: {exc}") from exc


def _alert_policy(env: dict[str, str]) -> AlertPolicy:
    """Defaults of the alert lifecycle (docs/operations.md, "Alert lifecycle"); rules may set their own periods.

    ALERT_REPEAT_MINUTES overrides per level, e.g. {"warning": 720}.
    """
    defaults = AlertPolicy()
    raw = env.get("ALERT_REPEAT_MINUTES")
    try:
        overrides = {str(k): int(v) for k, v in json.loads(raw).items()} if raw else {}
    except (ValueError, TypeError, AttributeError) as exc:
        raise SettingsError('ALERT_REPEAT_MINUTES must be JSON like {"warning": 1440, "escalate": 60}') from exc
    if set(overrides) - set(LEVELS) or any(v < 1 for v in overrides.values()):
        raise SettingsError(f"ALERT_REPEAT_MINUTES takes levels {list(LEVELS)} with at least 1 minute each")
    repeats = dict(defaults.repeat_intervals)
    for level in LEVELS:
        if level in overrides:
            repeats[level] = timedelta(minutes=overrides[level])

    def minutes(name: str, default: timedelta, minimum: int = 0) -> timedelta:
        return timedelta(minutes=_int(env, name, int(default.total_seconds() // 60), minimum=minimum))

    return AlertPolicy(
        pending=minutes("ALERT_PENDING_MINUTES", defaults.pending),
        clear_period=minutes("ALERT_CLEAR_MINUTES", defaults.clear_period),
        repeat_intervals=repeats,
        max_repeats=_int(env, "ALERT_MAX_REPEATS", defaults.max_repeats),
        escalate_after=minutes("ALERT_ESCALATE_AFTER_MINUTES", defaults.escalate_after, minimum=1),
        evidence_items=_int(env, "ALERT_EVIDENCE_ITEMS", defaults.evidence_items, minimum=1),
    )


def _risk_rules(raw: str | None) -> RiskRules:
    """RISK_RULES: JSON overrides of the rules' thresholds by field name, nested as the configs are, e.g.
    {"stock_out": {"warning_days": 5}, "flagged_content_surge": {"burst": {"counts": {"warning": 20}}}}.
    Durations are minutes; sets are lists; anything else keeps its default."""
    try:
        rules = _override(RiskRules(), json.loads(raw), "RISK_RULES") if raw else RiskRules()
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"RISK_RULES: {exc}") from exc
    assert isinstance(rules, RiskRules)
    return rules


def _override(current: Any, raw: Any, where: str) -> Any:
    """`raw` in the shape of `current`: a dataclass or mapping from an object, field by field, a leaf by type."""
    if is_dataclass(current) and not isinstance(current, type):
        if not isinstance(raw, dict):
            raise TypeError(f"{where} is an object")
        known = {f.name for f in fields(current)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"{where} has no {sorted(unknown)}; it has {sorted(known)}")
        return replace(current, **{k: _override(getattr(current, k), v, f"{where}.{k}") for k, v in raw.items()})
    if isinstance(current, dict):
        if not isinstance(raw, dict) or set(raw) - set(current):
            raise ValueError(f"{where} is an object with keys among {sorted(current)}")
        return {**current, **{k: _override(current[k], v, f"{where}.{k}") for k, v in raw.items()}}
    if isinstance(current, timedelta):
        return timedelta(minutes=_number(raw, where))
    if isinstance(current, frozenset):
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise TypeError(f"{where} is a list of strings")
        return frozenset(raw)
    if isinstance(current, bool | str):
        if type(raw) is not type(current) or (current in LEVELS and raw not in LEVELS):
            among = f" among {list(LEVELS)}" if current in LEVELS else ""
            raise TypeError(f"{where} is a {type(current).__name__}{among}")
        return raw
    if current is None or isinstance(current, int | float):
        number = _number(raw, where)
        return int(number) if isinstance(current, int) and number == int(number) else number
    raise TypeError(f"{where} cannot be configured")


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise TypeError(f"{where} is a number")
    return float(raw)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from a mapping (the process environment by default), validating everything."""
    env = dict(os.environ) if env is None else env
    zone = env.get("COMMUNITY_TIME_ZONE", "UTC")
    if not days.is_time_zone(zone):
        raise SettingsError(f"COMMUNITY_TIME_ZONE {zone!r} is not an IANA time zone of the tzdata package")
    idempotency_hours = _int(env, "IDEMPOTENCY_TTL_HOURS", 24, minimum=24)
    return Settings(
        stage=env.get("STAGE", "dev"),
        version=env.get("APP_VERSION", "0.1.0"),
        table_prefix=env.get("TABLE_PREFIX", "fan-engagement-dev"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        community_time_zone=zone,
        checkin_rules=CheckinRules(
            base_points=_int(env, "CHECKIN_BASE_POINTS", 10),
            streak_bonuses=_streak_bonuses(env.get("CHECKIN_STREAK_BONUSES", '[{"every": 7, "points": 50}]')),
        ),
        points_expiry_months=_int(env, "POINTS_EXPIRY_MONTHS", 12, minimum=1),
        time_zone_change_days=_int(env, "TIME_ZONE_CHANGE_DAYS", 30),
        idempotency_ttl_hours=idempotency_hours,
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 16 * 1024, minimum=256),
        catalogue_cache_seconds=float(_int(env, "CATALOGUE_CACHE_SECONDS", 30)),
        fan_cache_size=_int(env, "FAN_CACHE_SIZE", 10_000),
        jwt_issuer=env.get("JWT_ISSUER") or None,
        jwt_audience=env.get("JWT_AUDIENCE") or None,
        jwks_url=env.get("JWKS_URL") or None,
        dev_public_key_path=env.get("DEV_JWT_PUBLIC_KEY") or None,
        write_attempts=_int(env, "WRITE_ATTEMPTS", 6, minimum=1),
        request_attempts=_int(env, "REQUEST_DYNAMODB_ATTEMPTS", 10, minimum=2),
        request_seconds=float(_int(env, "REQUEST_DEADLINE_SECONDS", 5, minimum=1)),
        engagement_rules=_engagement_rules(env.get("ENGAGEMENT_RULES")),
        webhook_secrets=_webhook_secrets(env.get("WEBHOOK_SECRETS")),
        webhook_secrets_parameter=env.get("WEBHOOK_SECRETS_PARAMETER") or None,
        webhook_dedupe_days=_int(env, "WEBHOOK_DEDUPE_DAYS", 7, minimum=7),
        content_stat_shards=_int(env, "CONTENT_STAT_SHARDS", 32, minimum=1),
        score_rules=_score_rules(env.get("SCORE_RULES")),
        lifecycle_rules=_lifecycle_rules(env.get("LIFECYCLE_RULES")),
        tier_rules=_tier_rules(env.get("TIER_RULES")),
        alerts_topic_arn=env.get("ALERTS_TOPIC_ARN") or None,
        alert_policy=_alert_policy(env),
        risk_rules=_risk_rules(env.get("RISK_RULES")),
        job_segments=_int(env, "JOB_SEGMENTS", 32, minimum=1),
        job_queue_url=env.get("JOB_QUEUE_URL") or None,
        job_queue_max_receives=_int(env, "JOB_QUEUE_MAX_RECEIVES", 3, minimum=1),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; read once, on first use."""
    return load_settings()
