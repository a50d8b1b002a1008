"""Request and response bodies as msgspec Structs: validated on decode, and the source of the OpenAPI schemas.

msgspec rather than pydantic: it validates strictly, emits JSON Schema, and imports in a few
milliseconds, which matters for every Lambda cold start.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from chalicelib.domain import days, identifiers

Id = Annotated[
    str, Meta(min_length=1, max_length=128, pattern=identifiers.OWN_ID_PATTERN, description=identifiers.OWN_ID_RULE)
]
PlatformId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=256,
        pattern=identifiers.PLATFORM_ID_PATTERN,
        description="An id the platform chose: " + identifiers.PLATFORM_ID_RULE,
    ),
]
Points = Annotated[int, Meta(ge=0, le=1_000_000_000)]
Instant = Annotated[datetime, Meta(tz=True, description="RFC 3339 with offset")]
Tier = Literal["silent", "potential", "active", "head"]
Stage = Literal["awareness", "interest", "participation", "loyalty", "advocacy", "churned"]
LedgerKind = Literal["checkin", "engagement", "redemption", "refund", "expiry", "adjustment", "referral"]
RedemptionStatus = Literal["confirmed", "fulfilled", "cancelled"]

Reason = Annotated[
    str, Meta(min_length=1, max_length=500, pattern=r"\S", description="Why, for the audit trail: not blank")
]


class _In(Struct, forbid_unknown_fields=True, kw_only=True):
    """Request bodies refuse unknown fields, so a typo is an error rather than silently ignored."""


class ProfileChange(_In):
    time_zone: Annotated[str, Meta(min_length=1, max_length=64, description="IANA time zone, e.g. Asia/Shanghai")]


class RedemptionRequest(_In):
    reward_id: Id
    quantity: Annotated[int, Meta(ge=1, le=100)] = 1


class RewardDefinition(_In):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    cost: Points
    stock_remaining: Points
    per_fan_limit: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    min_tier: Tier | None = None
    available_from: Instant | None = None
    available_until: Instant | None = None

    def __post_init__(self) -> None:
        field = days.out_of_range(available_from=self.available_from, available_until=self.available_until)
        if field is not None:
            raise ValueError(f"{field} must be between 1970 and 9999 in UTC")


class Restock(_In):
    quantity: Annotated[int, Meta(ge=1, le=1_000_000_000)]


class Adjustment(_In):
    delta: Annotated[
        int,
        Meta(
            ge=-1_000_000_000,
            le=1_000_000_000,
            description="Non-zero change in points",
            extra_json_schema={"not": {"const": 0}},
        ),
    ]
    reason: Reason


JobStatus = Literal["running", "succeeded", "failed"]


class JobRequest(_In):
    """An operator's run may name the community day it is for (only `kpi-snapshot` takes one)."""

    day: Annotated[date, Meta(description="Community day YYYY-MM-DD to (re)compute")] | msgspec.UnsetType = (
        msgspec.UNSET
    )


class JobStarted(Struct):
    job: str
    run_id: str
    status: JobStatus


class JobRun(Struct):
    job: str
    run_id: str
    status: JobStatus
    trigger: Literal["schedule", "operator"]
    started_at: datetime
    finished_at: datetime | None
    segments: int
    segments_done: int
    summary: dict[str, int]
    error: str | None


class Cutoffs(Struct):
    head: int
    active: int
    potential: int


class TierCounts(Struct):
    head: int
    active: int
    potential: int
    silent: int


class StageCounts(Struct):
    awareness: int
    interest: int
    participation: int
    loyalty: int
    advocacy: int
    churned: int


class TierChanges(Struct):
    promoted: int
    demoted: int
    held_by_hysteresis: int


class Segments(Struct):
    run_id: str
    calculated_at: datetime
    fans: int
    cutoffs: Cutoffs
    tiers: TierCounts
    lifecycle: StageCounts
    changes: TierChanges


AlertLevel = Literal["warning", "activate", "escalate"]
AlertCategory = Literal["user", "content", "compliance", "technical", "operations"]
AlertStatus = Literal["open", "acknowledged", "resolved"]


class Alert(Struct):
    alert_id: str
    dedup_key: str
    rule: str
    category: AlertCategory
    level: AlertLevel
    status: AlertStatus
    title: str
    summary: str
    evidence: dict[str, Any] | list[Any]
    first_seen_at: datetime
    raised_at: datetime
    detected_at: datetime
    runbook: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    notifications: Annotated[int, Meta(description="Notifications published about this alert")]
    muted: Annotated[int, Meta(description="Notifications decided while silenced or held, recorded but not published")]


class AlertPage(Struct):
    items: list[Alert]
    next_cursor: str | None


class Matchers(_In):
    """Which alerts a silence mutes: those matching every matcher given (at least one)."""

    category: AlertCategory | msgspec.UnsetType = msgspec.UNSET
    rule: Id | msgspec.UnsetType = msgspec.UNSET

    def __post_init__(self) -> None:
        if self.category is msgspec.UNSET and self.rule is msgspec.UNSET:
            raise ValueError("give at least one matcher: category or rule")


class SilenceRequest(_In):
    matchers: Annotated[Matchers, Meta(extra_json_schema={"minProperties": 1})]
    ends_at: Annotated[Instant, Meta(description="RFC 3339 with offset; in the future, at most 366 days ahead")]
    reason: Reason

    def __post_init__(self) -> None:
        if days.out_of_range(ends_at=self.ends_at) is not None:
            raise ValueError("ends_at must be between 1970 and 9999 in UTC")


class SilenceMatchers(Struct):
    category: AlertCategory | None
    rule: str | None


class Silence(Struct):
    silence_id: str
    matchers: SilenceMatchers
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime


class SilenceList(Struct):
    items: list[Silence]


class KpiRatio(Struct):
    value: float | None
    numerator: float
    denominator: int


class KpiInteractions(Struct):
    total: int
    by_kind: dict[str, int]


class KpiSnapshot(Struct):
    """One community day's KPIs (docs/kpis.md has each definition)."""

    day: date
    fans_total: int
    new_fans: int
    dau: int
    wau: int
    mau: int
    stickiness: KpiRatio
    active_fan_ratio: KpiRatio
    interactions: KpiInteractions
    interaction_rate: KpiRatio
    interaction_depth: KpiRatio
    retention_d1: KpiRatio
    retention_d7: KpiRatio
    retention_d28: KpiRatio
    monthly_retention: KpiRatio
    redemption_conversion: KpiRatio
    content_interaction_rate: KpiRatio
    view_completion: KpiRatio
    points_earned: int
    points_spent: int
    points_expired: int
    points_refunded: int
    points_reversed: int
    points_outstanding: int
    tiers: dict[str, int]
    lifecycle: dict[str, int]
    growth_quick_ratio: KpiRatio
    partial_fans: int


class KpiList(Struct):
    items: list[KpiSnapshot]


class Health(Struct):
    status: Literal["ok", "degraded"]
    version: str


class Checkin(Struct):
    fan_id: str
    date: date
    streak: int
    points_awarded: int
    balance: int
    already_checked_in: bool


class ExpiringPoints(Struct):
    points: int
    expires_on: date


class DowngradeWarning(Struct):
    to: Tier
    on: date


class TierProgress(Struct):
    score: int
    next_tier: Tier | None
    score_to_next: int | None
    score_to_keep: int | None
    downgrade_warning: DowngradeWarning | None


class LinkedAccount(Struct):
    platform: str
    external_user_id: str


class Profile(Struct):
    fan_id: str
    time_zone: str
    balance: int
    lifetime_points: int
    tier: Tier
    tier_since: date | None
    tier_progress: TierProgress
    lifecycle_stage: Stage
    at_risk: bool
    streak: int
    last_checkin_date: date | None
    expiring: list[ExpiringPoints]
    linked_accounts: list[LinkedAccount]


class LedgerEntry(Struct):
    entry_id: str
    at: datetime
    delta: int
    balance_after: int
    kind: LedgerKind
    ref: str


class LedgerPage(Struct):
    items: list[LedgerEntry]
    next_cursor: str | None


class Reward(Struct):
    reward_id: str
    name: str
    cost: int
    stock_remaining: int
    per_fan_limit: int | None
    min_tier: Tier | None
    available_from: datetime | None
    available_until: datetime | None


class RewardList(Struct):
    items: list[Reward]


class Redemption(Struct):
    redemption_id: str
    reward_id: str
    quantity: int
    points_spent: int
    status: RedemptionStatus
    balance: int
    created_at: datetime


class RedemptionPage(Struct):
    items: list[Redemption]
    next_cursor: str | None


class AdjustmentResult(Struct):
    fan_id: str
    balance: int
    entry: LedgerEntry


class WebhookAck(Struct):
    status: Literal["accepted", "duplicate"]


class Unlinked(Struct):
    platform: str
    external_user_id: str
    fan_id: str
    status: Literal["unlinked"] = "unlinked"


class Flag(Struct):
    severity: str
    reason: str | None


class ContentMetrics(Struct):
    platform: str
    content_id: str
    author: str | None
    likes: int
    comments: int
    shares: int
    views: int
    average_completion: float | None
    unique_engaged: int
    flag: Flag | None
    deleted: bool


class FieldError(Struct):
    field: str
    message: str


class Problem(Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


encoder = msgspec.json.Encoder()
