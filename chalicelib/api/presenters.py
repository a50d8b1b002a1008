"""Domain objects to response bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from chalicelib.api import schemas
from chalicelib.domain import fan as fans
from chalicelib.domain.alerts.model import Alert as AlertState
from chalicelib.domain.alerts.model import Silence as SilenceState
from chalicelib.domain.jobs import JobRun as JobRunState
from chalicelib.domain.rewards import Reward
from chalicelib.persistence.content_metrics import ContentMetrics as ContentMetricsRead
from chalicelib.services import profiles
from chalicelib.services.adjustments import AdjustmentResult
from chalicelib.services.checkins import CheckinResult
from chalicelib.services.redemptions import RedemptionResult
from chalicelib.settings import get_settings

if TYPE_CHECKING:  # the type only: importing the segments use case would load every job at cold start
    from chalicelib.services.segments import Segments as SegmentsState


def checkin(result: CheckinResult) -> schemas.Checkin:
    return schemas.Checkin(
        fan_id=result.fan.fan_id,
        date=result.day,
        streak=result.fan.streak,
        points_awarded=result.points_awarded,
        balance=result.fan.balance,
        already_checked_in=result.already_checked_in,
    )


def profile(found: profiles.Profile) -> schemas.Profile:
    settings = get_settings()
    fan, progress = found.fan, found.progress
    warning = progress.downgrade_warning
    return schemas.Profile(
        fan_id=fan.fan_id,
        time_zone=fan.zone_or(settings.community_time_zone),
        balance=fan.balance,
        lifetime_points=fan.lifetime_points,
        tier=fan.tier,  # type: ignore[arg-type]
        tier_since=fan.tier_since,
        tier_progress=schemas.TierProgress(
            score=progress.score,
            next_tier=progress.next_tier,
            score_to_next=progress.score_to_next,
            score_to_keep=progress.score_to_keep,
            downgrade_warning=None if warning is None else schemas.DowngradeWarning(to=warning.to, on=warning.on),
        ),
        lifecycle_stage=fan.lifecycle_stage,  # type: ignore[arg-type]
        at_risk=fan.at_risk,
        streak=fan.streak,
        last_checkin_date=fan.last_checkin_date,
        expiring=[
            schemas.ExpiringPoints(points=e.points, expires_on=e.expires_on)
            for e in fans.expiring(fan, settings.points_expiry_months)
        ],
        linked_accounts=[
            schemas.LinkedAccount(platform=p, external_user_id=e) for p, e in sorted(fan.linked_accounts.items())
        ],
    )


def ledger_entry(entry: fans.LedgerEntry) -> schemas.LedgerEntry:
    return schemas.LedgerEntry(
        entry_id=entry.entry_id,
        at=entry.at,
        delta=entry.delta,
        balance_after=entry.balance_after,
        kind=entry.kind,
        ref=entry.ref,
    )


def reward(item: Reward) -> schemas.Reward:
    return schemas.Reward(
        reward_id=item.reward_id,
        name=item.name,
        cost=item.cost,
        stock_remaining=item.stock_remaining,
        per_fan_limit=item.per_fan_limit,
        min_tier=item.min_tier,  # type: ignore[arg-type]
        available_from=item.available_from,
        available_until=item.available_until,
    )


def redemption(result: RedemptionResult) -> schemas.Redemption:
    item = result.redemption
    return schemas.Redemption(
        redemption_id=item.redemption_id,
        reward_id=item.reward_id,
        quantity=item.quantity,
        points_spent=item.points_spent,
        status=item.status,
        balance=result.balance,
        created_at=item.created_at,
    )


def adjustment(result: AdjustmentResult) -> schemas.AdjustmentResult:
    return schemas.AdjustmentResult(
        fan_id=result.fan.fan_id, balance=result.fan.balance, entry=ledger_entry(result.entry)
    )


def content_metrics(platform: str, content_id: str, found: ContentMetricsRead) -> schemas.ContentMetrics:
    counts = found.counts
    views = int(counts["viewed"])
    content = found.content
    flag = None
    if content is not None and content.flag_severity is not None:
        flag = schemas.Flag(severity=content.flag_severity, reason=content.flag_reason)
    return schemas.ContentMetrics(
        platform=platform,
        content_id=content_id,
        author=found.author,
        likes=int(counts["liked"]),
        comments=int(counts["commented"]),
        shares=int(counts["shared"]),
        views=views,
        average_completion=round(counts["completion_sum"] / views, 4) if views else None,
        unique_engaged=found.unique_engaged,
        flag=flag,
        deleted=bool(content and content.deleted),
    )


def kpis(items: list[dict[str, Any]]) -> schemas.KpiList:
    """Stored snapshots, checked against the contract on the way out."""
    return schemas.KpiList([msgspec.convert(item, schemas.KpiSnapshot) for item in items])


def job_started(run: JobRunState) -> schemas.JobStarted:
    return schemas.JobStarted(job=run.job, run_id=run.run_id, status=run.status)


def job_run(run: JobRunState) -> schemas.JobRun:
    return schemas.JobRun(
        job=run.job,
        run_id=run.run_id,
        status=run.status,
        trigger=run.trigger,
        started_at=run.started_at,
        finished_at=run.finished_at,
        segments=run.segments,
        segments_done=run.segments_done,
        summary=run.summary,
        error=run.error,
    )


def segments(found: SegmentsState) -> schemas.Segments:
    return schemas.Segments(
        run_id=found.run_id,
        calculated_at=found.calculated_at,
        fans=found.fans,
        cutoffs=schemas.Cutoffs(**found.cutoffs.to_dict()),
        tiers=schemas.TierCounts(**found.tiers),
        lifecycle=schemas.StageCounts(**found.lifecycle),
        changes=schemas.TierChanges(**found.changes),
    )


def alert(found: AlertState) -> schemas.Alert:
    """A raised alert (operators never see a pending one, so `level` and `raised_at` are set)."""
    assert found.level is not None and found.raised_at is not None, "pending alerts are not listed"
    return schemas.Alert(
        alert_id=found.alert_id,
        dedup_key=found.dedup_key,
        rule=found.rule,
        category=found.category,
        level=found.level,
        status=found.status,  # type: ignore[arg-type]
        title=found.title,
        summary=found.summary,
        evidence=found.evidence,
        first_seen_at=found.first_seen_at,
        raised_at=found.raised_at,
        detected_at=found.detected_at or found.raised_at,
        runbook=found.runbook,
        acknowledged_by=found.acknowledged_by,
        acknowledged_at=found.acknowledged_at,
        resolved_at=found.resolved_at,
        resolved_by=found.resolved_by,
        notifications=found.notifications,
        muted=found.muted,
    )


def silence(found: SilenceState) -> schemas.Silence:
    return schemas.Silence(
        silence_id=found.silence_id,
        matchers=schemas.SilenceMatchers(category=found.category, rule=found.rule),
        ends_at=found.ends_at,
        reason=found.reason,
        created_by=found.created_by,
        created_at=found.created_at,
    )
